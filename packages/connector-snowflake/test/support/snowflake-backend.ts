// A local Snowflake backend (node:http on 127.0.0.1) owned by this package's tests, speaking what snowflake-sdk
// sends: POST /session/v1/login-request (key-pair JWT checked against registered public keys), POST
// /queries/v1/query-request (asyncExec answers code 333334 and the query id; SYSTEM$CANCEL_QUERY answers a row),
// GET /monitoring/queries/{id} (status driven by the test), GET /queries/{id}/result, POST
// /queries/{id}/abort-request, heartbeats and session delete; injected faults, a request log and a login counter.
// For the demo, queries can also move on by themselves ([RESUMING_WAREHOUSE →] QUEUED → RUNNING → SUCCESS by the
// clock).
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Fault = 'http-500' | 'http-503' | 'timeout' | 'reset';

export interface QueryRecord {
  readonly id: string;
  readonly sqlText: string;
  readonly bindings: Record<string, { type: string; value: unknown }> | undefined;
  readonly parameters: Record<string, unknown> | undefined;
  readonly session: SessionRecord;
  status: string;
  errorCode?: string;
  errorMessage?: string;
  rowtype: { name: string; type: string }[];
  rowset: unknown[][];
}

export interface SessionRecord {
  readonly token: string;
  readonly account: string;
  readonly user: string;
  readonly parameters: Record<string, unknown>;
  readonly database: string | undefined;
  readonly schema: string | undefined;
  readonly warehouse: string | undefined;
  readonly role: string | undefined;
}

/**
 * Timings of a query that moves on by itself: RESUMING_WAREHOUSE for `resumingMs` (default 0: skipped), QUEUED for
 * `queuedMs`, RUNNING for `runningMs`, then SUCCESS.
 */
export interface Progression {
  readonly resumingMs?: number;
  readonly queuedMs: number;
  readonly runningMs: number;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
  status?: number;
}

const CANCEL = /^SELECT SYSTEM\$CANCEL_QUERY\(\?\)$/i;

export class SnowflakeBackend {
  readonly queries = new Map<string, QueryRecord>();
  readonly requests: LoggedRequest[] = [];
  readonly createdQueries: string[] = [];
  readonly cancelledQueries: string[] = [];
  /** Public keys (PEM) accepted per user name (upper case). */
  readonly users = new Map<string, string[]>();
  /** Successful logins, and failed ones. */
  logins = 0;
  failedLogins = 0;
  /** Status a new query starts in. */
  initialStatus = 'QUEUED';
  /** When set, new asynchronous queries move on by the clock instead of waiting for `set` (the demo). */
  progression: Progression | undefined;
  /** TCP connections accepted (keep-alive check). */
  connections = 0;
  /** When a query under `progression` was submitted (epoch ms). */
  private readonly submittedAt = new Map<string, number>();
  private readonly sessions = new Map<string, SessionRecord>();
  private faults: { fault: Fault; remaining: number }[] = [];
  private readonly held = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string')
      throw new Error('not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    );
  }

  registerUser(user: string, publicKeyPem: string): void {
    const key = user.toUpperCase();
    this.users.set(key, [...(this.users.get(key) ?? []), publicKeyPem]);
  }

  /** The next `count` requests fail with `fault` (Infinity: until clearFaults). */
  inject(fault: Fault, count = 1): void {
    this.faults.push({ fault, remaining: count });
  }

  clearFaults(): void {
    this.faults = [];
    for (const response of this.held) response.destroy();
    this.held.clear();
  }

  set(queryId: string, status: string, error?: { code: string; message: string }): void {
    const query = this.queries.get(queryId);
    if (query === undefined) throw new Error(`no query ${queryId}`);
    query.status = status;
    if (error === undefined) {
      delete query.errorCode;
      delete query.errorMessage;
    } else {
      query.errorCode = error.code;
      query.errorMessage = error.message;
    }
  }

  logged(method: string, path: string): LoggedRequest[] {
    return this.requests.filter((request) => request.method === method && request.path === path);
  }

  /** The query requests the connector submitted (not the driver's internal ones), newest last. */
  submitted(): QueryRecord[] {
    return this.createdQueries.map((id) => this.queries.get(id)!);
  }

  private takeFault(): Fault | undefined {
    const entry = this.faults[0];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults.shift();
    return entry.fault;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let raw = Buffer.concat(chunks);
    if (request.headers['content-encoding'] === 'gzip' && raw.length > 0) raw = gunzipSync(raw);
    const url = new URL(request.url ?? '/', 'http://backend');
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        body = raw.toString('utf8');
      }
    }
    const logged: LoggedRequest = {
      method: request.method ?? '',
      path: url.pathname,
      query: url.search,
      authorization: request.headers.authorization,
      body,
    };
    this.requests.push(logged);
    const send = (status: number, answer: unknown) => {
      logged.status = status;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    };
    // Login is never faulted: faults model trouble while polling a pooled session.
    if (url.pathname !== '/session/v1/login-request') {
      const fault = this.takeFault();
      if (fault === 'reset') {
        request.socket.destroy();
        return;
      }
      if (fault === 'timeout') {
        this.held.add(response);
        response.on('close', () => this.held.delete(response));
        return;
      }
      if (fault === 'http-500') return send(500, { message: 'injected failure' });
      if (fault === 'http-503') return send(503, { message: 'injected unavailability' });
    }
    const ok = (data: unknown, code: string | null = null, message: string | null = null) =>
      send(200, { success: true, code, message, data });
    const refuse = (code: string, message: string, data: unknown = null) =>
      send(200, { success: false, code, message, data });

    if (logged.method === 'POST' && url.pathname === '/session/v1/login-request') {
      return this.login(body, url.searchParams, ok, refuse);
    }
    const token = /^Snowflake Token="([^"]+)"$/.exec(request.headers.authorization ?? '')?.[1];
    const session = token === undefined ? undefined : this.sessions.get(token);
    if (session === undefined)
      return refuse('390104', 'Session no longer exists. New login required to access the service.');

    if (logged.method === 'POST' && url.pathname === '/session/heartbeat') return ok({});
    if (
      logged.method === 'POST' &&
      url.pathname === '/session' &&
      url.searchParams.get('delete') === 'true'
    ) {
      this.sessions.delete(session.token);
      return ok({});
    }
    if (logged.method === 'POST' && url.pathname === '/telemetry/send') return ok({});
    if (logged.method === 'POST' && url.pathname === '/queries/v1/query-request') {
      return this.query(session, body as Record<string, unknown>, ok, refuse);
    }
    const monitoring = /^\/monitoring\/queries\/([^/]+)$/.exec(url.pathname);
    if (logged.method === 'GET' && monitoring !== null) {
      const query = this.queries.get(monitoring[1]!);
      if (query === undefined) return ok({ queries: [] });
      this.advance(query);
      return ok({
        queries: [
          {
            id: query.id,
            status: query.status,
            state: query.status,
            sqlText: query.sqlText,
            errorCode: query.errorCode ?? null,
            errorMessage: query.errorMessage ?? null,
            warehouseName: query.session.warehouse ?? null,
          },
        ],
      });
    }
    const result = /^\/queries\/([^/]+)\/result$/.exec(url.pathname);
    if (logged.method === 'GET' && result !== null) {
      const query = this.queries.get(result[1]!);
      if (query === undefined) return refuse('000709', `Statement ${result[1]} not found`);
      this.advance(query);
      if (query.status !== 'SUCCESS') {
        return refuse(
          query.errorCode ?? '000604',
          query.errorMessage ?? `Query ${query.id} is ${query.status}`,
        );
      }
      return ok(resultData(query));
    }
    const abort = /^\/queries\/([^/]+)\/abort-request$/.exec(url.pathname);
    if (logged.method === 'POST' && abort !== null) {
      this.cancel(abort[1]!);
      return ok(null);
    }
    return send(404, { message: `no route ${logged.method} ${url.pathname}` });
  }

  private login(
    body: unknown,
    search: URLSearchParams,
    ok: (data: unknown) => void,
    refuse: (code: string, message: string) => void,
  ): void {
    const data: Record<string, unknown> =
      (body as { data?: Record<string, unknown> } | undefined)?.data ?? {};
    const user = asText(data['LOGIN_NAME']).toUpperCase();
    const account = asText(data['ACCOUNT_NAME']).toUpperCase();
    if (data['AUTHENTICATOR'] !== 'SNOWFLAKE_JWT' || typeof data['TOKEN'] !== 'string') {
      this.failedLogins += 1;
      return refuse('390100', 'Incorrect username or password was specified.');
    }
    if (!this.checkJwt(data['TOKEN'], account, user)) {
      this.failedLogins += 1;
      return refuse('390144', 'JWT token is invalid.');
    }
    this.logins += 1;
    const parameters = (data['SESSION_PARAMETERS'] ?? {}) as Record<string, unknown>;
    const token = `session-${randomUUID()}`;
    const info = (key: string) => search.get(key) ?? undefined;
    this.sessions.set(token, {
      token,
      account,
      user,
      parameters,
      database: info('databaseName'),
      schema: info('schemaName'),
      warehouse: info('warehouse'),
      role: info('roleName'),
    });
    ok({
      token,
      masterToken: `master-${randomUUID()}`,
      validityInSeconds: 3600,
      masterValidityInSeconds: 14400,
      sessionId: this.logins,
      parameters: [{ name: 'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY', value: 3600 }],
      sessionInfo: {},
    });
  }

  /** RS256 JWT as the driver makes it: iss `ACCOUNT.USER.SHA256:fp`, sub `ACCOUNT.USER`, signed by a known key. */
  private checkJwt(token: string, account: string, user: string): boolean {
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      sub?: string;
      iss?: string;
    };
    if (claims.sub !== `${account}.${user}` || !claims.iss?.startsWith(`${account}.${user}.SHA256:`))
      return false;
    return (this.users.get(user) ?? []).some((pem) =>
      verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey(pem),
        Buffer.from(signature, 'base64url'),
      ),
    );
  }

  private query(
    session: SessionRecord,
    body: Record<string, unknown>,
    ok: (data: unknown, code?: string | null, message?: string | null) => void,
    refuse: (code: string, message: string, data?: unknown) => void,
  ): void {
    const sqlText = asText(body['sqlText']);
    const bindings = body['bindings'] as QueryRecord['bindings'];
    if (CANCEL.test(sqlText.trim())) {
      const target = asText(bindings?.['1']?.value);
      const query = this.queries.get(target);
      const id = randomUUID();
      if (query === undefined)
        return refuse('000709', `Statement ${target} not found`, { queryId: id, sqlState: '02000' });
      const running = this.cancel(target);
      const text = running
        ? `query [${target}] terminated.`
        : 'Identified SQL statement is not currently executing.';
      return ok({
        queryId: id,
        rowtype: [
          {
            name: 'SYSTEM$CANCEL_QUERY(?)',
            type: 'text',
            nullable: true,
            length: 16777216,
            byteLength: 16777216,
            precision: null,
            scale: null,
          },
        ],
        rowset: [[text]],
        total: 1,
        returned: 1,
        queryResultFormat: 'json',
        parameters: [],
      });
    }
    const id = randomUUID();
    const record: QueryRecord = {
      id,
      sqlText,
      bindings,
      parameters: body['parameters'] as Record<string, unknown> | undefined,
      session,
      status: this.initialStatus,
      rowtype: [{ name: 'N', type: 'fixed' }],
      rowset: [['1']],
    };
    this.queries.set(id, record);
    this.createdQueries.push(id);
    if (/^\s*SELECT\s+SYNTAX\s+ERROR/i.test(sqlText)) {
      // Snowflake records a statement it cannot compile as a failed query, and answers with its id.
      const message = "SQL compilation error:\nsyntax error line 1 at position 7 unexpected 'SYNTAX'.";
      this.set(id, 'FAILED_WITH_ERROR', { code: '001003', message });
      return refuse('001003', message, { queryId: id, sqlState: '42000' });
    }
    if (body['asyncExec'] === true) {
      if (this.progression !== undefined) {
        record.status = progressionStages(this.progression)[0]![0];
        this.submittedAt.set(id, Date.now());
      }
      return ok(
        { queryId: id, getResultUrl: `/queries/${id}/result` },
        '333334',
        'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.',
      );
    }
    record.status = 'SUCCESS';
    return ok(resultData(record));
  }

  /** Moves a query under `progression` to the status its age gives, unless it left the clock's path (cancelled). */
  private advance(query: QueryRecord): void {
    const since = this.submittedAt.get(query.id);
    if (since === undefined || this.progression === undefined) return;
    const stages = progressionStages(this.progression);
    if (!stages.some(([status]) => status === query.status)) return;
    let age = Date.now() - since;
    for (const [status, ms] of stages) {
      if (age < ms) {
        query.status = status;
        return;
      }
      age -= ms;
    }
    query.status = 'SUCCESS';
  }

  /** Cancels a query; true when it was still going. */
  private cancel(queryId: string): boolean {
    const query = this.queries.get(queryId);
    if (query === undefined) return false;
    this.cancelledQueries.push(queryId);
    const going = [
      'RUNNING',
      'QUEUED',
      'RESUMING_WAREHOUSE',
      'BLOCKED',
      'QUEUED_REPARING_WAREHOUSE',
    ].includes(query.status);
    if (going) this.set(queryId, 'ABORTED', { code: '000604', message: 'SQL execution canceled' });
    return going;
  }
}

/** The waiting and running statuses of a progression, with how long each lasts (the first is never empty). */
function progressionStages(progression: Progression): [string, number][] {
  const resuming = progression.resumingMs ?? 0;
  return [
    ...(resuming > 0 ? [['RESUMING_WAREHOUSE', resuming] as [string, number]] : []),
    ['QUEUED', progression.queuedMs],
    ['RUNNING', progression.runningMs],
  ];
}

function resultData(query: QueryRecord): unknown {
  return {
    queryId: query.id,
    rowtype: query.rowtype.map((column) => ({
      ...column,
      nullable: true,
      length: null,
      byteLength: null,
      precision: column.type === 'fixed' ? 38 : null,
      scale: column.type === 'fixed' ? 0 : null,
    })),
    rowset: query.rowset,
    total: query.rowset.length,
    returned: query.rowset.length,
    queryResultFormat: 'json',
    parameters: [],
  };
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
