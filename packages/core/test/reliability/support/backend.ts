// The vendor backend `backend_job` talks to: a small HTTP job API on 127.0.0.1. It records every external side
// effect (job creations, by idempotency key) so that tests can tell what reached the outside world, and, like some
// real APIs, it echoes a rejected token in its error body.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface BackendJob {
  readonly id: string;
  readonly idempotencyKey: string;
  /** The task's `tag` input: lets a test match a job to the call that created it. */
  readonly tag: string;
  readonly token: string;
  readonly createdAt: number;
  readonly doneAt: number;
  deleted: boolean;
}

export interface JobBackendOptions {
  /** Tokens the backend accepts; anything else gets a 401 that quotes it. */
  readonly validTokens: readonly string[];
  /** How long a job runs before it is done. */
  readonly jobMs?: number;
}

export class JobBackend {
  /** Every job created, in order: the external side effects. */
  readonly jobs: BackendJob[] = [];
  /** Requests seen, for checks that a refused call never reached the backend. */
  readonly requests: { method: string; path: string; at: number }[] = [];
  private server: Server | undefined;
  private counter = 0;
  url = '';

  constructor(private readonly options: JobBackendOptions) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    );
  }

  /** Jobs created per idempotency key (more than one means a duplicate external job). */
  jobsByKey(): Map<string, BackendJob[]> {
    const byKey = new Map<string, BackendJob[]>();
    for (const job of this.jobs)
      byKey.set(job.idempotencyKey, [...(byKey.get(job.idempotencyKey) ?? []), job]);
    return byKey;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/';
    this.requests.push({ method: request.method ?? '', path, at: Date.now() });
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const send = (code: number, value: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    const parsed =
      body === '' ? {} : (JSON.parse(body) as { behaviour?: string; delayMs?: number; tag?: string });
    if (!this.options.validTokens.includes(token) || parsed.behaviour === 'reject') {
      send(401, { error: { message: `invalid token ${token}`, code: 401 } });
      return;
    }
    if (request.method === 'POST' && path === '/jobs') {
      if ((parsed.delayMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, parsed.delayMs));
      const key = String(request.headers['idempotency-key'] ?? '');
      // Idempotent creation, as vendor APIs with an idempotency key do: a repeated key returns the same job.
      const existing = key === '' ? undefined : this.jobs.find((job) => job.idempotencyKey === key);
      if (existing !== undefined) {
        send(200, { id: existing.id });
        return;
      }
      const now = Date.now();
      const job: BackendJob = {
        id: `job-${++this.counter}`,
        idempotencyKey: key,
        tag: parsed.tag ?? '',
        token,
        createdAt: now,
        doneAt: now + (this.options.jobMs ?? 0),
        deleted: false,
      };
      this.jobs.push(job);
      send(200, { id: job.id });
      return;
    }
    const match = /^\/jobs\/([\w-]+)$/.exec(path);
    const job = match === null ? undefined : this.jobs.find((j) => j.id === match[1]);
    if (job === undefined) {
      send(404, { error: { message: 'no such job' } });
      return;
    }
    if (request.method === 'DELETE') {
      job.deleted = true;
      send(200, {});
      return;
    }
    send(200, { state: job.deleted ? 'failed' : Date.now() >= job.doneAt ? 'done' : 'running' });
  }
}
