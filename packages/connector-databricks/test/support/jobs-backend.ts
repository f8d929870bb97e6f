// A local Databricks Jobs REST backend (node:http on 127.0.0.1) owned by this package's tests: runs/submit (an
// idempotency token already seen answers the same run), runs/get with a life cycle the test drives, runs/cancel,
// Databricks error bodies ({error_code, message}), injected faults and a log of every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Fault =
  | 'http-500'
  | 'http-503'
  | { readonly status: 429; readonly retryAfterSeconds: number }
  | 'timeout'
  | 'reset'
  | { readonly slowMs: number };

export interface RunRecord {
  readonly runId: number;
  readonly jobId: number;
  lifeCycleState: string;
  resultState?: string;
  stateMessage: string;
  readonly body: Record<string, unknown>;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly authorization: string | undefined;
  readonly body: string;
  /** Status answered; undefined for a dropped or held request. */
  status?: number;
}

export class JobsBackend {
  readonly runs = new Map<number, RunRecord>();
  readonly requests: LoggedRequest[] = [];
  readonly createdRuns: number[] = [];
  readonly cancelledRuns: number[] = [];
  /** Tokens the backend accepts as `Authorization: Bearer <token>`. */
  readonly tokens = new Set<string>();
  private readonly byIdempotencyToken = new Map<string, number>();
  private faults: { fault: Fault; remaining: number }[] = [];
  private readonly held = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private nextRunId = 1_000_000_000_001;
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string')
      throw new Error('not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** `127.0.0.1:PORT`, as a task's `databricksInstance` would name a host (with an explicit http scheme: `url`). */
  get host(): string {
    return this.url.slice('http://'.length);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', (socket: Socket) => {
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

  /** The next `count` requests fail with `fault` (Infinity: until clearFaults). */
  inject(fault: Fault, count = 1): void {
    this.faults.push({ fault, remaining: count });
  }

  clearFaults(): void {
    this.faults = [];
    for (const response of this.held) response.destroy();
    this.held.clear();
  }

  set(runId: number | string, lifeCycleState: string, resultState?: string, stateMessage = ''): void {
    const run = this.runs.get(Number(runId));
    if (run === undefined) throw new Error(`no run ${runId}`);
    run.lifeCycleState = lifeCycleState;
    if (resultState === undefined) delete run.resultState;
    else run.resultState = resultState;
    run.stateMessage = stateMessage;
  }

  logged(method: string, path: string): LoggedRequest[] {
    return this.requests.filter((request) => request.method === method && request.path === path);
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
    const url = new URL(request.url ?? '/', 'http://backend');
    const logged: LoggedRequest = {
      method: request.method ?? '',
      path: url.pathname,
      query: url.search,
      authorization: request.headers.authorization,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(logged);
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
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      logged.status = status;
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (fault === 'http-500') return send(500, { error_code: 'INTERNAL_ERROR', message: 'injected failure' });
    if (fault === 'http-503')
      return send(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'injected unavailability' });
    if (typeof fault === 'object' && 'status' in fault) {
      return send(
        429,
        { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'injected rate limit' },
        { 'retry-after': String(fault.retryAfterSeconds) },
      );
    }
    if (typeof fault === 'object' && 'slowMs' in fault) await new Promise((r) => setTimeout(r, fault.slowMs));

    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined || !this.tokens.has(token)) {
      return send(401, { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' });
    }
    const route = `${logged.method} ${url.pathname}`;
    if (route === 'POST /api/2.1/jobs/runs/submit') {
      const body = JSON.parse(logged.body) as Record<string, unknown>;
      const idempotency = body['idempotency_token'];
      if (typeof idempotency === 'string') {
        const existing = this.byIdempotencyToken.get(idempotency);
        if (existing !== undefined) return send(200, { run_id: existing });
      }
      const runId = this.nextRunId++;
      this.runs.set(runId, { runId, jobId: runId + 7, lifeCycleState: 'PENDING', stateMessage: '', body });
      this.createdRuns.push(runId);
      if (typeof idempotency === 'string') this.byIdempotencyToken.set(idempotency, runId);
      return send(200, { run_id: runId });
    }
    if (route === 'GET /api/2.1/jobs/runs/get') {
      const run = this.runs.get(Number(url.searchParams.get('run_id')));
      if (run === undefined) {
        return send(400, {
          error_code: 'INVALID_PARAMETER_VALUE',
          message: `Run ${url.searchParams.get('run_id')} does not exist.`,
        });
      }
      return send(200, {
        job_id: run.jobId,
        run_id: run.runId,
        run_page_url: `${this.url}/?o=1#job/${run.jobId}/run/${run.runId}`,
        state: {
          life_cycle_state: run.lifeCycleState,
          ...(run.resultState === undefined ? {} : { result_state: run.resultState }),
          state_message: run.stateMessage,
          user_cancelled_or_timedout: run.resultState === 'CANCELED',
        },
      });
    }
    if (route === 'POST /api/2.1/jobs/runs/cancel') {
      const runId = (JSON.parse(logged.body) as { run_id?: unknown }).run_id;
      const run = this.runs.get(Number(runId));
      if (run === undefined) {
        return send(400, {
          error_code: 'INVALID_PARAMETER_VALUE',
          message: `Run ${String(runId)} does not exist.`,
        });
      }
      this.cancelledRuns.push(run.runId);
      if (run.lifeCycleState !== 'TERMINATED' && run.lifeCycleState !== 'INTERNAL_ERROR') {
        this.set(run.runId, 'TERMINATED', 'CANCELED', 'Run cancelled.');
      }
      return send(200, {});
    }
    return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${route}'` });
  }
}
