// The vendor backend `backend_job` talks to: a small HTTP job API on 127.0.0.1. It records every external side
// effect (job creations, by idempotency key) so that tests can tell what reached the outside world, and, like some
// real APIs, it echoes a rejected token in its error body.
//
// With a fault plan it also misbehaves like a vendor API on a bad day: a seeded share of every call (submit, status,
// cancel) gets a 5xx, a 429 with Retry-After, an answer held past the client's timeout, a connection reset (also
// after the call took effect) or a slow answer. Every fault injected is counted by kind and by operation.
import { createHash } from 'node:crypto';
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

/** The calls of the job API, as faults are counted. */
export type BackendOperation = 'submit' | 'status' | 'cancel';

/**
 * What a fault does. "Takes effect" means the submit creates its job (or re-attaches) and the cancel marks the job
 * cancelled, before the client learns anything:
 * - `http-500`, `http-503`: an error answer; the call did not take effect.
 * - `http-502`: an error answer after the call took effect (a gateway that lost the upstream's answer).
 * - `http-429`: "too many requests" with `Retry-After`; the call did not take effect.
 * - `timeout`: the call takes effect, the answer is held past the client's request timeout, then the connection
 *   is dropped.
 * - `reset`: the connection is reset (TCP RST) before the call takes effect.
 * - `reset-after-commit`: the call takes effect, then the connection is reset without an answer: the nastiest
 *   case for a submit, since the job exists and the client cannot know it.
 * - `slow`: the right answer, late (within the client's timeout).
 */
export type FaultKind =
  'http-500' | 'http-502' | 'http-503' | 'http-429' | 'timeout' | 'reset' | 'reset-after-commit' | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = [
  'http-500',
  'http-502',
  'http-503',
  'http-429',
  'timeout',
  'reset',
  'reset-after-commit',
  'slow',
];

const OPERATIONS: readonly BackendOperation[] = ['submit', 'status', 'cancel'];

export interface FaultPlan {
  /** Share of calls that get a fault, 0 … 1. Default 0.2. */
  readonly rate?: number;
  /**
   * Seeds the choice. The n-th call of an operation for a given job (by idempotency key) gets the same fault
   * under the same seed whatever the interleaving of concurrent calls. Default 1.
   */
  readonly seed?: number;
  /** Relative weights of the kinds. Default: equal. */
  readonly weights?: Partial<Record<FaultKind, number>>;
  /** `Retry-After` of a 429, in seconds. Default 1. */
  readonly retryAfterS?: number;
  /** How long a `timeout` holds the answer before dropping the connection. Default 3,000 ms. */
  readonly holdMs?: number;
  /** Delay of a `slow` answer, drawn uniformly from [min, max] ms. Default [100, 500]. */
  readonly slowMs?: readonly [number, number];
}

export interface JobBackendOptions {
  /** Tokens the backend accepts; anything else gets a 401 that quotes it. */
  readonly validTokens: readonly string[];
  /** How long a job runs before it is done. */
  readonly jobMs?: number;
  /** Faults to inject; none without. */
  readonly faults?: FaultPlan;
}

/** What the fault plan did. */
export interface FaultFigures {
  /** Calls by operation (requests that named a known job, or a submit). */
  readonly calls: Record<BackendOperation, number>;
  /** Faults injected, by kind. */
  readonly byKind: Record<FaultKind, number>;
  /** Faults injected, by operation and kind. */
  readonly byOperation: Record<BackendOperation, Record<FaultKind, number>>;
  /** All faults injected. */
  readonly total: number;
  /** Submits answered with a job that existed already (same idempotency key): retries that re-attached. */
  readonly reattached: number;
}

interface ChosenFault {
  readonly kind: FaultKind;
  /** A second uniform draw in [0, 1), for the delay of a `slow` answer. */
  readonly draw: number;
}

const zeroKinds = (): Record<FaultKind, number> =>
  Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;

export class JobBackend {
  /** Every job created, in order: the external side effects. */
  readonly jobs: BackendJob[] = [];
  /** Requests seen, for checks that a refused call never reached the backend. */
  readonly requests: { method: string; path: string; at: number }[] = [];
  private readonly byId = new Map<string, BackendJob>();
  private readonly byKey = new Map<string, BackendJob>();
  private readonly byTag = new Map<string, BackendJob[]>();
  /** Calls seen so far per operation and job, so that the n-th call of each gets a reproducible fault. */
  private readonly callCounts = new Map<string, number>();
  private readonly held = new Set<NodeJS.Timeout>();
  private readonly figures = {
    calls: { submit: 0, status: 0, cancel: 0 } as Record<BackendOperation, number>,
    byKind: zeroKinds(),
    byOperation: Object.fromEntries(OPERATIONS.map((op) => [op, zeroKinds()])) as Record<
      BackendOperation,
      Record<FaultKind, number>
    >,
    reattached: 0,
  };
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
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
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

  /** Jobs created for a task's `tag` input. */
  jobsForTag(tag: string): readonly BackendJob[] {
    return this.byTag.get(tag) ?? [];
  }

  /** What the fault plan did so far. */
  faultFigures(): FaultFigures {
    const { calls, byKind, byOperation, reattached } = this.figures;
    return {
      calls: { ...calls },
      byKind: { ...byKind },
      byOperation: {
        submit: { ...byOperation.submit },
        status: { ...byOperation.status },
        cancel: { ...byOperation.cancel },
      },
      total: Object.values(byKind).reduce((sum, n) => sum + n, 0),
      reattached,
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/';
    this.requests.push({ method: request.method ?? '', path, at: Date.now() });
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const send = (code: number, value: unknown, headers: Record<string, string> = {}) => {
      if (response.destroyed) return;
      response.writeHead(code, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(value));
    };
    const parsed =
      body === '' ? {} : (JSON.parse(body) as { behaviour?: string; delayMs?: number; tag?: string });

    // Which call this is, and the fault it gets (decided before anything else, as a gateway in front would).
    const submit = request.method === 'POST' && path === '/jobs';
    const match = /^\/jobs\/([\w-]+)$/.exec(path);
    const job = match === null ? undefined : this.byId.get(match[1]!);
    const key = String(request.headers['idempotency-key'] ?? '');
    const operation: BackendOperation | undefined = submit
      ? 'submit'
      : job === undefined
        ? undefined
        : request.method === 'DELETE'
          ? 'cancel'
          : request.method === 'GET'
            ? 'status'
            : undefined;
    const fault =
      operation === undefined
        ? undefined
        : this.chooseFault(operation, submit ? key || (parsed.tag ?? '') : job!.idempotencyKey || job!.id);
    if (fault !== undefined) {
      this.figures.byKind[fault.kind] += 1;
      this.figures.byOperation[operation!][fault.kind] += 1;
    }

    switch (fault?.kind) {
      case 'http-500':
      case 'http-503':
        send(fault.kind === 'http-500' ? 500 : 503, { error: { message: 'injected backend failure' } });
        return;
      case 'http-429':
        send(
          429,
          { error: { message: 'too many requests' } },
          { 'retry-after': String(this.options.faults?.retryAfterS ?? 1) },
        );
        return;
      case 'reset':
        reset(request);
        return;
      case 'slow': {
        const [min, max] = this.options.faults?.slowMs ?? [100, 500];
        await this.wait(min + fault.draw * (max - min));
        break;
      }
      default:
        break;
    }

    if (!this.options.validTokens.includes(token) || parsed.behaviour === 'reject') {
      send(401, { error: { message: `invalid token ${token}`, code: 401 } });
      return;
    }
    // The call takes effect here; what the client hears of it depends on the fault.
    let answer: { code: number; value: unknown };
    if (submit) {
      if ((parsed.delayMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, parsed.delayMs));
      // Idempotent creation, as vendor APIs with an idempotency key do: a repeated key returns the same job.
      const existing = key === '' ? undefined : this.byKey.get(key);
      if (existing !== undefined) {
        this.figures.reattached += 1;
        answer = { code: 200, value: { id: existing.id } };
      } else {
        const now = Date.now();
        const created: BackendJob = {
          id: `job-${++this.counter}`,
          idempotencyKey: key,
          tag: parsed.tag ?? '',
          token,
          createdAt: now,
          doneAt: now + (this.options.jobMs ?? 0),
          deleted: false,
        };
        this.jobs.push(created);
        this.byId.set(created.id, created);
        if (key !== '') this.byKey.set(key, created);
        this.byTag.set(created.tag, [...(this.byTag.get(created.tag) ?? []), created]);
        answer = { code: 200, value: { id: created.id } };
      }
    } else if (job === undefined) {
      answer = { code: 404, value: { error: { message: 'no such job' } } };
    } else if (request.method === 'DELETE') {
      job.deleted = true;
      answer = { code: 200, value: {} };
    } else {
      answer = {
        code: 200,
        value: { state: job.deleted ? 'failed' : Date.now() >= job.doneAt ? 'done' : 'running' },
      };
    }

    switch (fault?.kind) {
      case 'http-502':
        send(502, { error: { message: 'bad gateway' } });
        return;
      case 'reset-after-commit':
        reset(request);
        return;
      case 'timeout': {
        // Held until the client gives up (its socket closes) or holdMs pass; never answered.
        const timer = setTimeout(() => {
          this.held.delete(timer);
          reset(request);
        }, this.options.faults?.holdMs ?? 3_000);
        this.held.add(timer);
        response.once('close', () => {
          clearTimeout(timer);
          this.held.delete(timer);
        });
        return;
      }
      default:
        send(answer.code, answer.value);
    }
  }

  /** The fault of this call (or none): a pure function of the seed, the operation, the job and the call's rank. */
  private chooseFault(operation: BackendOperation, jobKey: string): ChosenFault | undefined {
    this.figures.calls[operation] += 1;
    const plan = this.options.faults;
    if (plan === undefined) return undefined;
    const id = `${operation}\u0000${jobKey}`;
    const rank = this.callCounts.get(id) ?? 0;
    this.callCounts.set(id, rank + 1);
    const digest = createHash('sha256')
      .update(`${plan.seed ?? 1}\u0000${id}\u0000${rank}`)
      .digest();
    const uniform = (offset: number) => digest.readUInt32BE(offset) / 2 ** 32;
    if (uniform(0) >= (plan.rate ?? 0.2)) return undefined;
    const weights = FAULT_KINDS.map((kind) => Math.max(0, plan.weights?.[kind] ?? 1));
    const total = weights.reduce((sum, w) => sum + w, 0);
    if (total === 0) return undefined;
    let pick = uniform(4) * total;
    for (const [index, weight] of weights.entries()) {
      pick -= weight;
      if (pick < 0) return { kind: FAULT_KINDS[index]!, draw: uniform(8) };
    }
    return { kind: FAULT_KINDS.at(-1)!, draw: uniform(8) };
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.held.delete(timer);
        resolve();
      }, ms);
      this.held.add(timer);
    });
  }
}

/** Drops the connection with a TCP RST: the client sees ECONNRESET, not an answer. */
function reset(request: IncomingMessage): void {
  const socket = request.socket;
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}
