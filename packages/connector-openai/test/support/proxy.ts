// A loopback HTTP proxy in front of aimock or steady. It records every request and answer, injects transient
// faults (5xx, hung requests, dropped connections), can hold a batch in a state of the test's choosing (aimock moves
// batches on its own as they are polled), and can ask aimock for a batch's outcome (X-AIMock-Batch-Outcome).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault = 'http-500' | 'timeout' | 'reset';
export type BatchOutcome = 'completed' | 'failed' | 'expired' | 'cancelled';

export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The credentials and organization the request carried (aimock's own journal redacts them). */
  readonly authorization?: string | undefined;
  readonly organization?: string | undefined;
  readonly body: string;
  readonly answer: string;
}

type Json = Record<string, unknown>;

export class TestProxy {
  readonly exchanges: Exchange[] = [];
  /** Paths of requests whose client hung up before the answer (an aborted SDK call). */
  readonly abandoned: string[] = [];
  readonly createdBatches: string[] = [];
  readonly cancelledBatches: string[] = [];
  /** Batches answered from here instead of upstream, as the test set them. */
  readonly held = new Map<string, Json>();
  /** Hold every new batch in its created state until the test releases it (the acceptance kit's contract). */
  holdNewBatches = false;
  /** The outcome aimock gives the next created batches (sent as X-AIMock-Batch-Outcome). */
  batchOutcome: BatchOutcome | undefined;
  /** Keep every exchange in `exchanges` (off for long benchmark runs, which only count). */
  recordExchanges = true;
  /** Requests answered (recorded or not). */
  answered = 0;
  /** TCP connections accepted (keep-alive check). */
  connections = 0;
  private fault: { kind: Fault; remaining: number } | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly upstream: string,
  ) {}

  static async start(upstream: string): Promise<TestProxy> {
    const server = createServer();
    const proxy = new TestProxy(server, upstream.replace(/\/$/, ''));
    server.on('request', (req, res) => void proxy.handle(req, res));
    server.on('connection', (socket) => {
      proxy.connections += 1;
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  inject(kind: Fault, count: number): void {
    this.fault = { kind, remaining: count };
  }

  clearFaults(): void {
    this.fault = undefined;
  }

  /** Holds a batch in a state: a patch over its last known object (e.g. `{ status: 'in_progress' }`). */
  hold(batchId: string, patch: Json): void {
    this.held.set(batchId, { ...(this.held.get(batchId) ?? { id: batchId }), ...patch });
  }

  /** Lets a held batch go back to aimock, polling it there until it reaches its terminal state. */
  async release(batchId: string): Promise<void> {
    this.held.delete(batchId);
    for (let poll = 0; poll < 3; poll += 1) await fetch(`${this.upstream}/v1/batches/${batchId}`);
  }

  requests(method: string, pathPrefix: string): Exchange[] {
    return this.exchanges.filter((e) => e.method === method && e.path.startsWith(pathPrefix));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    res.on('close', () => {
      if (!res.writableFinished) this.abandoned.push(path);
    });
    if (this.fault !== undefined && this.fault.remaining > 0) {
      this.fault.remaining -= 1;
      if (this.fault.kind === 'timeout') return; // never answered
      if (this.fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      this.answer(res, { method, path, status: 500, body: '', answer: '{"error":{"message":"injected"}}' });
      return;
    }
    // Paths carry /v1 against aimock, and none against steady (the API description's paths are server-relative).
    const cancel = /^(?:\/v1)?\/batches\/([^/?]+)\/cancel/.exec(path);
    if (method === 'POST' && cancel) this.cancelledBatches.push(cancel[1]!);
    const retrieve = /^(?:\/v1)?\/batches\/([^/?]+)$/.exec(path);
    const held = retrieve && method === 'GET' ? this.held.get(retrieve[1]!) : undefined;
    if (held !== undefined) {
      this.answer(res, { method, path, status: 200, body: '', answer: JSON.stringify(held) });
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers.set(name, value);
    }
    if (method === 'POST' && path === '/v1/batches' && this.batchOutcome !== undefined) {
      headers.set('x-aimock-batch-outcome', this.batchOutcome);
    }
    const upstream = await fetch(`${this.upstream}${path}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    });
    const answer = await upstream.text();
    if (method === 'POST' && path === '/v1/batches' && upstream.status === 200) {
      const batch = JSON.parse(answer) as Json;
      this.createdBatches.push(String(batch['id']));
      if (this.holdNewBatches) this.held.set(String(batch['id']), batch);
    }
    const extra: Record<string, string> = {};
    for (const name of ['retry-after', 'retry-after-ms', 'content-type']) {
      const value = upstream.headers.get(name);
      if (value !== null) extra[name] = value;
    }
    this.answer(
      res,
      {
        method,
        path,
        status: upstream.status,
        authorization: req.headers.authorization,
        organization: req.headers['openai-organization'] as string | undefined,
        body: body.toString('utf8'),
        answer,
      },
      extra,
    );
  }

  private answer(res: ServerResponse, exchange: Exchange, headers: Record<string, string> = {}): void {
    if (res.destroyed) return; // the client hung up: recorded in `abandoned`, not answered
    this.answered += 1;
    if (this.recordExchanges) this.exchanges.push(exchange);
    res.writeHead(exchange.status, { 'content-type': 'application/json', ...headers });
    res.end(exchange.answer);
  }
}
