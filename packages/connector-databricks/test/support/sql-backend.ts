// A Databricks SQL warehouse for tests: HiveServer2 Thrift (binary protocol, buffered transport) over HTTPS on
// 127.0.0.1, served by the generated TCLIService processor that @databricks/sql ships, through the `thrift`
// package's transports. The certificate is self-signed, made per run with openssl. Statements stay PENDING until
// the test drives them; the backend records every call, can fail the next requests (5xx, hang, reset), and counts
// the TLS connections it accepted.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { TransientFault } from '@org/connector-core/testing';

const require = createRequire(import.meta.url);
// The package's own generated service and types: what a real warehouse speaks, byte for byte.
const TCLIService = require('@databricks/sql/thrift/TCLIService.js') as {
  Processor: new (handler: object) => { process(input: unknown, output: unknown): void };
};
const ttypes = require('@databricks/sql/thrift/TCLIService_types.js') as Record<
  string,
  Record<string, number>
>;
const thrift = require('thrift') as {
  TBufferedTransport: {
    new (buffer: undefined, callback: (data: Buffer) => void): unknown;
    receiver(callback: (transport: { commitPosition(): void }) => void): (data: Buffer) => void;
  };
  TBinaryProtocol: new (transport: unknown) => unknown;
  Int64: new (value: number) => unknown;
};

const STATUS = ttypes['TStatusCode']!;
const STATE = ttypes['TOperationState']!;
const TYPE_ID = ttypes['TTypeId']!;
const FETCH_FIRST = ttypes['TFetchOrientation']!['FETCH_FIRST']!;
const COLUMN_BASED_SET = ttypes['TSparkRowSetType']!['COLUMN_BASED_SET']!;

export const WAREHOUSE_PATH = '/sql/1.0/warehouses/4f2e8c1a9b7d3e60';

/** States a test drives a statement into, by their TOperationState names (plus one the connector cannot know). */
export type StatementStateName =
  | 'INITIALIZED_STATE'
  | 'PENDING_STATE'
  | 'RUNNING_STATE'
  | 'FINISHED_STATE'
  | 'CANCELED_STATE'
  | 'CLOSED_STATE'
  | 'ERROR_STATE'
  | 'TIMEDOUT_STATE'
  | 'UKNOWN_STATE'
  | 'FUTURE_STATE';

export type ColumnType = 'STRING' | 'INT' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN';

export interface ResultSet {
  readonly columns: readonly { readonly name: string; readonly type: ColumnType }[];
  readonly rows: readonly (readonly (string | number | boolean | null)[])[];
}

export interface RecordedParameter {
  readonly name: string | undefined;
  readonly type: string | undefined;
  readonly value: string | undefined;
}

export interface Statement {
  readonly id: string;
  readonly secret: Buffer;
  readonly sessionId: string;
  readonly text: string;
  readonly parameters: readonly RecordedParameter[];
  readonly runAsync: boolean;
  readonly directResults: boolean;
  readonly queryTimeout: number | undefined;
  state: number;
  errorMessage?: string;
  sqlState?: string;
  result: ResultSet;
  cursor: number;
}

interface Session {
  readonly id: string;
  readonly secret: Buffer;
  readonly catalog: string | undefined;
  readonly schema: string | undefined;
  open: boolean;
}

export interface RecordedCall {
  readonly method: string;
  readonly authorization: string | undefined;
  readonly path: string;
}

interface Handle {
  guid: Buffer;
  secret: Buffer;
}

const DEFAULT_RESULT: ResultSet = {
  columns: [
    { name: 'id', type: 'BIGINT' },
    { name: 'name', type: 'STRING' },
  ],
  rows: [
    [1, 'one'],
    [2, 'two'],
  ],
};

const ok = () => ({ statusCode: STATUS['SUCCESS_STATUS'] });

export interface SqlBackendOptions {
  /**
   * Statements move on by the clock (demo, bench): PENDING for `pendingMs`, RUNNING for `runningMs` (Infinity: for
   * ever), then FINISHED. Without it, statements stay PENDING until the test drives them.
   */
  readonly progress?: { readonly pendingMs: number; readonly runningMs: number };
}

export class SqlBackend {
  readonly tokens = new Set<string>();
  readonly calls: RecordedCall[] = [];
  readonly statements = new Map<string, Statement>();
  readonly sessions = new Map<string, Session>();
  readonly createdStatements: string[] = [];
  readonly cancelledStatements: string[] = [];
  readonly closedStatements: string[] = [];
  /** Result of the statements created from now on. */
  result: ResultSet = DEFAULT_RESULT;
  /** TLS connections accepted so far. */
  connections = 0;
  caCert = '';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private fault: { kind: TransientFault; remaining: number } | undefined;
  private readonly processor = new TCLIService.Processor(this.handler());
  private readonly progress: SqlBackendOptions['progress'];

  constructor(options: SqlBackendOptions = {}) {
    this.progress = options.progress;
  }

  /** TLS connections open right now. */
  get openSockets(): number {
    return this.sockets.size;
  }

  get port(): number {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string')
      throw new Error('not started');
    return address.port;
  }

  /** `server_hostname` of the warehouse as a task names it. */
  get hostname(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'databricks-sql-backend-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      this.caCert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const key = readFileSync(join(dir, 'key.pem'), 'utf8');
      const server = createServer({ key, cert: this.caCert }, (request, response) =>
        this.onRequest(request, response),
      );
      server.on('secureConnection', (socket: Socket) => {
        this.connections += 1;
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.server = server;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Moves a statement to a state (with the error the warehouse reports for ERROR_STATE). */
  set(id: string, state: StatementStateName, error?: { message: string; sqlState?: string }): void {
    const statement = this.statement(id);
    statement.state = state === 'FUTURE_STATE' ? 42 : STATE[state]!;
    if (error !== undefined) {
      statement.errorMessage = error.message;
      if (error.sqlState !== undefined) statement.sqlState = error.sqlState;
    }
  }

  statement(id: string): Statement {
    const statement = this.statements.get(id);
    if (statement === undefined) throw new Error(`no statement ${id}`);
    return statement;
  }

  /** Makes the next `count` HTTP requests fail with `fault` (Infinity: until cleared). */
  inject(fault: TransientFault, count: number): void {
    this.fault = { kind: fault, remaining: count };
  }

  clearFaults(): void {
    this.fault = undefined;
    for (const response of this.hanging) response.destroy();
    this.hanging.clear();
  }

  private moveOn(statement: Statement, progress: NonNullable<SqlBackendOptions['progress']>): void {
    const step = (from: number, to: number) => {
      if (statement.state === from) statement.state = to;
    };
    setTimeout(() => step(STATE['PENDING_STATE']!, STATE['RUNNING_STATE']!), progress.pendingMs).unref();
    if (Number.isFinite(progress.runningMs))
      setTimeout(
        () => step(STATE['RUNNING_STATE']!, STATE['FINISHED_STATE']!),
        progress.pendingMs + progress.runningMs,
      ).unref();
  }

  /** Thrift calls of one method, in order. */
  logged(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = methodName(body);
      const authorization = request.headers.authorization;
      this.calls.push({ method, authorization, path: request.url ?? '' });
      if (this.fault !== undefined && this.fault.remaining > 0) {
        this.fault.remaining -= 1;
        switch (this.fault.kind) {
          case 'http-500':
            response.writeHead(503, { 'content-type': 'text/plain' }).end('warehouse unavailable');
            return;
          case 'timeout':
            this.hanging.add(response);
            return;
          case 'reset':
            request.socket.destroy();
            return;
        }
      }
      if (request.method !== 'POST' || request.url !== WAREHOUSE_PATH) {
        response.writeHead(404).end();
        return;
      }
      const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
      if (token === undefined || !this.tokens.has(token)) {
        response.writeHead(401, { 'content-type': 'text/plain' }).end('Invalid access token');
        return;
      }
      this.process(body, response);
    });
  }

  private process(body: Buffer, response: ServerResponse): void {
    thrift.TBufferedTransport.receiver((transport) => {
      const input = new thrift.TBinaryProtocol(transport);
      const output = new thrift.TBinaryProtocol(
        new thrift.TBufferedTransport(undefined, (data) => {
          response.writeHead(200, { 'content-type': 'application/x-thrift' }).end(data);
        }),
      );
      this.processor.process(input, output);
      transport.commitPosition();
    })(body);
  }

  private findSession(handle: { sessionId?: Handle } | undefined): Session | undefined {
    const id = handle?.sessionId;
    if (id === undefined) return undefined;
    const session = this.sessions.get(uuid(id.guid));
    return session !== undefined && session.open && session.secret.equals(id.secret) ? session : undefined;
  }

  private findStatement(handle: { operationId?: Handle } | undefined): Statement | undefined {
    const id = handle?.operationId;
    if (id === undefined) return undefined;
    const statement = this.statements.get(uuid(id.guid));
    return statement !== undefined && statement.secret.equals(id.secret) ? statement : undefined;
  }

  /** The HiveServer2 service: promise-style handlers (one argument), as the generated processor accepts them. */
  private handler(): object {
    const invalidOperation = (handle: { operationId?: Handle } | undefined) => ({
      statusCode: STATUS['ERROR_STATUS'],
      sqlState: 'HY000',
      errorMessage: `Invalid OperationHandle: OperationHandle [opType=EXECUTE_STATEMENT, getHandleIdentifier()=${handle?.operationId ? uuid(handle.operationId.guid) : '?'}]`,
    });
    return {
      OpenSession: (request: { initialNamespace?: { catalogName?: string; schemaName?: string } }) => {
        const id = randomUUID();
        const secret = randomBytes(16);
        this.sessions.set(id, {
          id,
          secret,
          catalog: request.initialNamespace?.catalogName ?? undefined,
          schema: request.initialNamespace?.schemaName ?? undefined,
          open: true,
        });
        return {
          status: ok(),
          serverProtocolVersion: ttypes['TProtocolVersion']!['SPARK_CLI_SERVICE_PROTOCOL_V8'],
          sessionHandle: { sessionId: { guid: guidOf(id), secret } },
        };
      },
      CloseSession: (request: { sessionHandle?: { sessionId?: Handle } }) => {
        const session = this.findSession(request.sessionHandle);
        if (session === undefined)
          return { status: { statusCode: STATUS['ERROR_STATUS'], errorMessage: 'Invalid SessionHandle' } };
        session.open = false;
        // As HiveServer2: closing a session closes every operation it ran.
        for (const [id, statement] of this.statements)
          if (statement.sessionId === session.id) this.statements.delete(id);
        return { status: ok() };
      },
      ExecuteStatement: (request: {
        sessionHandle?: { sessionId?: Handle };
        statement: string;
        runAsync?: boolean;
        getDirectResults?: unknown;
        queryTimeout?: { toNumber(): number } | null;
        parameters?: { name?: string; type?: string; value?: { stringValue?: string } }[] | null;
      }) => {
        const session = this.findSession(request.sessionHandle);
        if (session === undefined) {
          return {
            status: {
              statusCode: STATUS['ERROR_STATUS'],
              sqlState: 'HY000',
              errorMessage: 'Invalid SessionHandle: the session expired or was closed',
            },
          };
        }
        const id = randomUUID();
        const statement: Statement = {
          id,
          secret: randomBytes(16),
          sessionId: session.id,
          text: request.statement,
          parameters: (request.parameters ?? []).map((p) => ({
            name: p.name ?? undefined,
            type: p.type ?? undefined,
            value: p.value?.stringValue ?? undefined,
          })),
          runAsync: request.runAsync === true,
          directResults: request.getDirectResults !== undefined && request.getDirectResults !== null,
          queryTimeout: request.queryTimeout?.toNumber(),
          state: STATE['PENDING_STATE']!,
          result: this.result,
          cursor: 0,
        };
        this.statements.set(id, statement);
        this.createdStatements.push(id);
        if (this.progress !== undefined) this.moveOn(statement, this.progress);
        return {
          status: ok(),
          operationHandle: {
            operationId: { guid: guidOf(id), secret: statement.secret },
            operationType: ttypes['TOperationType']!['EXECUTE_STATEMENT'],
            hasResultSet: true,
          },
        };
      },
      GetOperationStatus: (request: { operationHandle?: { operationId?: Handle } }) => {
        const statement = this.findStatement(request.operationHandle);
        if (statement === undefined) return { status: invalidOperation(request.operationHandle) };
        const failed = statement.state === STATE['ERROR_STATE'];
        return {
          status: ok(),
          operationState: statement.state,
          hasResultSet: true,
          ...(failed
            ? {
                errorMessage: statement.errorMessage ?? 'error',
                displayMessage: statement.errorMessage ?? 'error',
                sqlState: statement.sqlState ?? '42000',
              }
            : {}),
        };
      },
      CancelOperation: (request: { operationHandle?: { operationId?: Handle } }) => {
        const statement = this.findStatement(request.operationHandle);
        if (statement === undefined) return { status: invalidOperation(request.operationHandle) };
        this.cancelledStatements.push(statement.id);
        const running = [STATE['INITIALIZED_STATE'], STATE['PENDING_STATE'], STATE['RUNNING_STATE']];
        if (running.includes(statement.state)) statement.state = STATE['CANCELED_STATE']!;
        return { status: ok() };
      },
      CloseOperation: (request: { operationHandle?: { operationId?: Handle } }) => {
        const statement = this.findStatement(request.operationHandle);
        if (statement === undefined) return { status: invalidOperation(request.operationHandle) };
        this.statements.delete(statement.id);
        this.closedStatements.push(statement.id);
        return { status: ok() };
      },
      GetResultSetMetadata: (request: { operationHandle?: { operationId?: Handle } }) => {
        const statement = this.findStatement(request.operationHandle);
        if (statement === undefined) return { status: invalidOperation(request.operationHandle) };
        if (statement.state !== STATE['FINISHED_STATE'])
          return {
            status: { statusCode: STATUS['ERROR_STATUS'], errorMessage: 'The operation has not finished' },
          };
        return {
          status: ok(),
          resultFormat: COLUMN_BASED_SET,
          schema: {
            columns: statement.result.columns.map((column, position) => ({
              columnName: column.name,
              position: position + 1,
              typeDesc: { types: [{ primitiveEntry: { type: TYPE_ID[`${column.type}_TYPE`] } }] },
            })),
          },
        };
      },
      FetchResults: (request: {
        operationHandle?: { operationId?: Handle };
        orientation?: number;
        maxRows?: { toNumber(): number };
      }) => {
        const statement = this.findStatement(request.operationHandle);
        if (statement === undefined) return { status: invalidOperation(request.operationHandle) };
        if (request.orientation === FETCH_FIRST) statement.cursor = 0;
        const max = request.maxRows?.toNumber() ?? 1000;
        const rows = statement.result.rows.slice(statement.cursor, statement.cursor + max);
        const start = statement.cursor;
        statement.cursor += rows.length;
        return {
          status: ok(),
          hasMoreRows: statement.cursor < statement.result.rows.length,
          results: {
            startRowOffset: new thrift.Int64(start),
            rows: [],
            columns: statement.result.columns.map((column, index) =>
              columnOf(
                column.type,
                rows.map((row) => row[index] ?? null),
              ),
            ),
          },
        };
      },
    };
  }
}

function columnOf(type: ColumnType, values: readonly (string | number | boolean | null)[]): object {
  const nulls = Buffer.alloc(Math.ceil(values.length / 8));
  values.forEach((value, row) => {
    if (value === null) nulls[row >> 3]! |= 1 << (row & 7);
  });
  switch (type) {
    case 'BOOLEAN':
      return { boolVal: { values: values.map((v) => v === true), nulls } };
    case 'INT':
      return { i32Val: { values: values.map((v) => Number(v ?? 0)), nulls } };
    case 'BIGINT':
      return { i64Val: { values: values.map((v) => new thrift.Int64(Number(v ?? 0))), nulls } };
    case 'DOUBLE':
      return { doubleVal: { values: values.map((v) => Number(v ?? 0)), nulls } };
    case 'STRING':
      return { stringVal: { values: values.map((v) => (v === null ? '' : String(v))), nulls } };
  }
}

function guidOf(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function uuid(guid: Buffer): string {
  const hex = guid.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The method name of a strict binary-protocol Thrift message: version+type, name length, name. */
function methodName(body: Buffer): string {
  if (body.length < 8) return '?';
  const length = body.readInt32BE(4);
  return length > 0 && length < 100 && body.length >= 8 + length ? body.toString('utf8', 8, 8 + length) : '?';
}
