// The engine against a scriptable fake client: phase semantics, the GetTask failure budget, rate limits (measured),
// worker bound, finalization, abort -> DeleteTask, and close.
import { describe, expect, it } from 'vitest';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { create } from '@bufbuild/protobuf';
import type { CallOptions, ConnectorClient, CreateTaskInput, TaskReference } from '../client/types.js';
import { ConnectorCallError } from '../client/call-error.js';
import { ResourceSchema, type Resource } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { TaskTemplateSchema } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import { TaskEngine } from './task-engine.js';
import { EngineClosedError, type TaskEngineOptions } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// A fake ConnectorClient: records every call with its time and answers GetTask from a per-task script. The task
// name travels as the output prefix and comes back as the resource_meta.

type Answer = Resource | Error | (() => Resource | Error | Promise<Resource | Error>);

interface Call {
  readonly method: 'create' | 'get' | 'delete';
  readonly name: string;
  readonly at: number;
}

function resource(phase: number, message = '', unknown?: Resource['$unknown']): Resource {
  const value = create(ResourceSchema, { phase, message });
  if (unknown !== undefined) value.$unknown = unknown;
  return value;
}

const unavailable = () => new ConnectorCallError(14, 'backend unreachable');

class FakeClient implements ConnectorClient {
  readonly calls: Call[] = [];
  /** Answers of GetTask by task name, consumed in order; the last one repeats. */
  readonly scripts = new Map<string, Answer[]>();
  createAnswer: (name: string) => Promise<string> | string = (name) => name;
  deleteAnswer: (name: string) => Promise<void> | void = () => undefined;
  getDelayMs = 0;
  inFlightGets = 0;
  maxInFlightGets = 0;
  readonly started = performance.now();

  constructor(readonly protocol: 'v1' | 'v2' | 'in-process' = 'v2') {}

  script(name: string, ...answers: Answer[]): void {
    this.scripts.set(name, answers);
  }

  count(method: Call['method'], name?: string): number {
    return this.calls.filter((c) => c.method === method && (name === undefined || c.name === name)).length;
  }

  async create(input: CreateTaskInput): Promise<Uint8Array> {
    const name = input.outputPrefix;
    this.calls.push({ method: 'create', name, at: performance.now() - this.started });
    return new TextEncoder().encode(await this.createAnswer(name));
  }

  async get(task: TaskReference, options?: CallOptions): Promise<Resource> {
    const name = new TextDecoder().decode(task.resourceMeta);
    this.calls.push({ method: 'get', name, at: performance.now() - this.started });
    this.inFlightGets += 1;
    this.maxInFlightGets = Math.max(this.maxInFlightGets, this.inFlightGets);
    try {
      if (this.getDelayMs > 0) await abortableDelay(this.getDelayMs, options?.signal);
      const answers = this.scripts.get(name) ?? [resource(3)];
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      const value = typeof answer === 'function' ? await answer() : answer;
      if (value instanceof Error) throw value;
      return value;
    } finally {
      this.inFlightGets -= 1;
    }
  }

  async delete(task: TaskReference): Promise<void> {
    const name = new TextDecoder().decode(task.resourceMeta);
    this.calls.push({ method: 'delete', name, at: performance.now() - this.started });
    await this.deleteAnswer(name);
  }

  list(): Promise<never[]> {
    return Promise.resolve([]);
  }

  close(): void {}
}

/** A CreateTask input whose output prefix names the task (the fake client uses it as resource_meta). */
function input(name: string): CreateTaskInput {
  return { template: create(TaskTemplateSchema, { type: 'fake_task' }), inputs: [], outputPrefix: name };
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new ConnectorCallError(1, 'cancelled'));
      },
      { once: true },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const QUEUED = 1;
const RUNNING = 2;
const SUCCEEDED = 3;
const ABORTED = 4;
const FAILED = 5;
const RETRYABLE_FAILED = 8;

function engineFor(client: FakeClient, options: Partial<TaskEngineOptions> = {}): TaskEngine {
  return new TaskEngine({
    client,
    resyncMs: 20,
    workers: 4,
    readQps: 10_000,
    readBurst: 1000,
    writeQps: 10_000,
    writeBurst: 1000,
    ...options,
  });
}

describe('TaskEngine: lifecycle', () => {
  it('creates, gets at once, re-polls every resync interval and finalizes on SUCCEEDED', async () => {
    const client = new FakeClient();
    client.script(
      'a',
      resource(QUEUED, 'in the queue'),
      resource(RUNNING),
      resource(RUNNING),
      resource(SUCCEEDED, 'done'),
    );
    const engine = engineFor(client, { resyncMs: 300 });
    const events: string[] = [];
    engine.on('created', (t) => events.push(`created ${t.id}`));
    engine.on('phase', ({ phase, previousPhase }) => events.push(`${previousPhase ?? '-'} -> ${phase}`));
    engine.on('done', (_t, final) => events.push(`done ${final.phase}`));
    const task = engine.submit(input('a'));
    expect(task.category).toEqual({ name: 'fake_task', version: 0 });
    const final = await task.done;

    expect(final).toMatchObject({ phase: 'SUCCEEDED', reason: 'completed', message: 'done', deleted: false });
    expect(new TextDecoder().decode(final.resourceMeta)).toBe('a');
    expect(events).toEqual([
      'created 1',
      '- -> QUEUED',
      'QUEUED -> RUNNING',
      'RUNNING -> SUCCEEDED',
      'done SUCCEEDED',
    ]);
    const gets = client.calls.filter((c) => c.method === 'get');
    expect(gets).toHaveLength(4);
    // The first GetTask follows CreateTask at once; the others are a resync interval apart.
    const create = client.calls[0]!;
    expect(gets[0]!.at - create.at).toBeLessThan(150);
    for (let i = 1; i < gets.length; i += 1)
      expect(gets[i]!.at - gets[i - 1]!.at).toBeGreaterThanOrEqual(295);
    // Finalized: gone from the engine, no further polls, no DeleteTask after normal completion.
    expect(task.state).toBe('done');
    expect(engine.get(task.id)).toBeUndefined();
    expect(engine.stats()).toMatchObject({ tracked: 0, polling: 0, finalized: 1, byPhase: {} });
    await sleep(400);
    expect(client.count('get')).toBe(4);
    expect(client.count('delete')).toBe(0);
  });

  it.each([
    ['FAILED', FAILED],
    ['ABORTED', ABORTED],
    ['RETRYABLE_FAILED', RETRYABLE_FAILED],
  ])('ends the task on %s reported by the connector', async (name, phase) => {
    const client = new FakeClient();
    client.script('t', resource(RUNNING), resource(phase, 'it broke'));
    const final = await engineFor(client).submit(input('t')).done;
    expect(final).toMatchObject({ phase: name, reason: 'completed', message: 'it broke' });
    expect(client.count('delete')).toBe(0);
  });

  it('ends a Flyte 1 task on RETRYABLE_FAILED too (Status maps it to a retryable failure)', async () => {
    const client = new FakeClient('v1');
    client.script('t', resource(RETRYABLE_FAILED, 'try again'));
    const final = await engineFor(client).submit(input('t')).done;
    expect(final).toMatchObject({ phase: 'RETRYABLE_FAILED', reason: 'completed' });
  });

  it('fails the task with bad-phase on UNDEFINED from a Flyte 2 service and on unknown phase numbers', async () => {
    const client = new FakeClient('v2');
    client.script('zero', resource(0));
    client.script('nine', resource(9));
    const engine = engineFor(client);
    expect(await engine.submit(input('zero')).done).toMatchObject({ phase: 'FAILED', reason: 'bad-phase' });
    const unknown = await engine.submit(input('nine')).done;
    expect(unknown).toMatchObject({ phase: 'FAILED', reason: 'bad-phase' });
    expect(unknown.message).toContain('unknown execution phase [9]');
  });

  it('reads the deprecated state of a Flyte 1 resource with phase UNDEFINED', async () => {
    const state = (value: number) =>
      resource(0, '', [{ no: 1, wireType: WireType.Varint, data: new BinaryWriter().int32(value).finish() }]);
    const client = new FakeClient('v1');
    client.script('pending', state(2), state(3), state(4));
    client.script('absent', resource(0));
    const engine = engineFor(client);
    const phases: string[] = [];
    engine.on('phase', ({ phase }) => phases.push(phase));
    expect(await engine.submit(input('pending')).done).toMatchObject({ phase: 'SUCCEEDED' });
    expect(phases).toEqual(['INITIALIZING', 'RUNNING', 'SUCCEEDED']);
    // No state field at all reads as RETRYABLE_FAILURE (0), as in Go.
    expect(await engine.submit(input('absent')).done).toMatchObject({ phase: 'RETRYABLE_FAILED' });
  });

  it('turns a failed CreateTask into RETRYABLE_FAILED (create-failed) without polling', async () => {
    const client = new FakeClient();
    client.createAnswer = () => Promise.reject(new ConnectorCallError(3, 'bad template'));
    const engine = engineFor(client);
    const final = await engine.submit(input('x')).done;
    expect(final).toMatchObject({
      phase: 'RETRYABLE_FAILED',
      reason: 'create-failed',
      message: 'bad template',
    });
    expect(final.error?.kind).toBe('INVALID_ARGUMENT');
    expect(final.resourceMeta).toBeUndefined();
    expect(client.count('get')).toBe(0);
    expect(engine.stats()).toMatchObject({ tracked: 0, calls: { create: 1, createFailed: 1 } });
  });

  it('uses the category it is given instead of the template type', async () => {
    const client = new FakeClient();
    const task = engineFor(client).submit(input('c'), { name: 'other', version: 3 });
    expect(task.category).toEqual({ name: 'other', version: 3 });
    await task.done;
  });
});

describe('TaskEngine: GetTask failure budget', () => {
  it('fails the task after maxGetFailures GetTask errors in a row, keeping the last error', async () => {
    const client = new FakeClient();
    client.script('t', unavailable);
    const engine = engineFor(client, { maxGetFailures: 5 });
    const errors: number[] = [];
    engine.on('getError', (_t, _e, n) => errors.push(n));
    const final = await engine.submit(input('t')).done;
    expect(final).toMatchObject({ phase: 'FAILED', reason: 'get-failures' });
    expect(final.message).toContain('GetTask failed 5 times in a row');
    expect(final.message).toContain('backend unreachable');
    expect(final.error?.kind).toBe('UNAVAILABLE');
    expect(errors).toEqual([1, 2, 3, 4, 5]);
    expect(client.count('get')).toBe(5);
  });

  it('resets the count after a successful GetTask', async () => {
    const client = new FakeClient();
    const four = [unavailable, unavailable, unavailable, unavailable];
    client.script('t', ...four, resource(RUNNING), ...four, resource(SUCCEEDED));
    const final = await engineFor(client, { maxGetFailures: 5 }).submit(input('t')).done;
    expect(final).toMatchObject({ phase: 'SUCCEEDED' });
    expect(client.count('get')).toBe(10);
  });

  it('waits getRetryDelayMs after a failure instead of the resync interval', async () => {
    const client = new FakeClient();
    client.script('t', unavailable, unavailable, resource(SUCCEEDED));
    const delays: number[] = [];
    const engine = engineFor(client, {
      resyncMs: 5_000,
      getRetryDelayMs: (n) => {
        delays.push(n);
        return 40 * n;
      },
    });
    const final = await engine.submit(input('t')).done;
    expect(final.phase).toBe('SUCCEEDED');
    expect(delays).toEqual([1, 2]);
    const gets = client.calls.filter((c) => c.method === 'get').map((c) => c.at);
    expect(gets[1]! - gets[0]!).toBeGreaterThanOrEqual(35);
    expect(gets[2]! - gets[1]!).toBeGreaterThanOrEqual(75);
    expect(gets[2]! - gets[1]!).toBeLessThan(1000);
  });
});

describe('TaskEngine: abort', () => {
  it('sends DeleteTask for a tracked task, stops polling and ends ABORTED', async () => {
    const client = new FakeClient();
    client.script('t', resource(RUNNING));
    const engine = engineFor(client);
    const task = engine.submit(input('t'));
    await new Promise<void>((resolve) => engine.once('phase', () => resolve()));
    const final = await task.abort();
    expect(final).toMatchObject({ phase: 'ABORTED', reason: 'aborted', deleted: true });
    expect(client.count('delete', 't')).toBe(1);
    const gets = client.count('get');
    await sleep(80);
    expect(client.count('get')).toBe(gets);
    expect(engine.stats()).toMatchObject({ tracked: 0, aborting: 0 });
    // Aborting again, or after the end, deletes nothing more.
    await task.abort();
    expect(client.count('delete')).toBe(1);
  });

  it('cancels an in-flight GetTask', async () => {
    const client = new FakeClient();
    client.getDelayMs = 10_000;
    const engine = engineFor(client);
    const task = engine.submit(input('t'));
    await new Promise<void>((resolve) => engine.once('created', () => resolve()));
    await sleep(20);
    expect(engine.stats().inFlightGets).toBe(1);
    const started = performance.now();
    expect(await task.abort()).toMatchObject({ phase: 'ABORTED', deleted: true });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(engine.stats().inFlightGets).toBe(0);
  });

  it('deletes a task whose CreateTask was in flight once it answers', async () => {
    const client = new FakeClient();
    client.createAnswer = async (name) => {
      await sleep(50);
      return name;
    };
    const engine = engineFor(client);
    const task = engine.submit(input('slow'));
    await sleep(10);
    expect(task.state).toBe('creating');
    const final = await task.abort();
    expect(final).toMatchObject({ phase: 'ABORTED', deleted: true });
    expect(client.count('delete', 'slow')).toBe(1);
    expect(client.count('get')).toBe(0);
  });

  it('creates nothing (and deletes nothing) when aborted while waiting for a write token', async () => {
    const client = new FakeClient();
    const engine = engineFor(client, { writeQps: 1, writeBurst: 1 });
    const first = engine.submit(input('first'));
    const second = engine.submit(input('second'));
    expect(second.state).toBe('waiting');
    const final = await second.abort();
    expect(final).toMatchObject({ phase: 'ABORTED', deleted: false, resourceMeta: undefined });
    await first.done;
    expect(client.count('create', 'second')).toBe(0);
    expect(client.count('delete')).toBe(0);
  });

  it('retries a failing DeleteTask and reports the last error', async () => {
    const client = new FakeClient();
    client.script('t', resource(RUNNING));
    client.deleteAnswer = () => Promise.reject(unavailable());
    const engine = engineFor(client, { deleteAttempts: 2 });
    const task = engine.submit(input('t'));
    await new Promise<void>((resolve) => engine.once('phase', () => resolve()));
    const final = await task.abort();
    expect(final).toMatchObject({ phase: 'ABORTED', deleted: false });
    expect(final.error?.kind).toBe('UNAVAILABLE');
    expect(client.count('delete')).toBe(2);
  });

  it('abortAll deletes every created task', async () => {
    const client = new FakeClient();
    for (const name of ['a', 'b', 'c']) client.script(name, resource(RUNNING));
    const engine = engineFor(client);
    for (const name of ['a', 'b', 'c']) engine.submit(input(name));
    await sleep(30);
    const finals = await engine.abortAll();
    expect(finals.map((f) => f.deleted)).toEqual([true, true, true]);
    expect(client.count('delete')).toBe(3);
  });
});

describe('TaskEngine: limits', () => {
  it('never runs more GetTask calls at once than it has workers', async () => {
    const client = new FakeClient();
    client.getDelayMs = 15;
    const engine = engineFor(client, { workers: 3, resyncMs: 0 });
    const tasks = Array.from({ length: 20 }, (_, i) => {
      client.script(`t${i}`, resource(RUNNING), resource(RUNNING), resource(SUCCEEDED));
      return engine.submit(input(`t${i}`));
    });
    await Promise.all(tasks.map((t) => t.done));
    expect(client.maxInFlightGets).toBe(3);
    expect(client.count('get')).toBe(60);
  });

  it('honours the read rate limit (QPS and burst), measured', async () => {
    const client = new FakeClient();
    const engine = engineFor(client, { readQps: 50, readBurst: 10, resyncMs: 0, workers: 20 });
    for (let i = 0; i < 20; i += 1) client.script(`t${i}`, resource(RUNNING));
    const started = performance.now();
    for (let i = 0; i < 20; i += 1) engine.submit(input(`t${i}`));
    await sleep(1000);
    const elapsed = performance.now() - started;
    const gets = client.calls.filter((c) => c.method === 'get');
    engine.close();
    // 10 at once (burst), then 50 per second: at most 10 + 50 per elapsed second, at most 10 + 2.5 in 50 ms.
    expect(gets.filter((c) => c.at - gets[0]!.at < 50).length).toBeLessThanOrEqual(13);
    expect(gets.length).toBeLessThanOrEqual(10 + Math.ceil((50 * elapsed) / 1000) + 1);
    expect(gets.length).toBeGreaterThanOrEqual(45);
    // Past the burst, the spacing averages 1/QPS.
    const steady = gets.slice(10).map((c) => c.at);
    const perSecond = ((steady.length - 1) * 1000) / (steady.at(-1)! - steady[0]!);
    expect(perSecond).toBeGreaterThan(35);
    expect(perSecond).toBeLessThan(53);
  });

  it('honours the write rate limit for CreateTask, measured', async () => {
    const client = new FakeClient();
    const engine = engineFor(client, { writeQps: 40, writeBurst: 5 });
    const tasks = Array.from({ length: 25 }, (_, i) => engine.submit(input(`w${i}`)));
    await Promise.all(tasks.map((t) => t.done));
    const creates = client.calls.filter((c) => c.method === 'create').map((c) => c.at);
    expect(creates).toHaveLength(25);
    expect(creates[4]! - creates[0]!).toBeLessThan(100); // the burst goes at once
    // The remaining 20 at 40 per second: about 500 ms.
    expect(creates[24]! - creates[4]!).toBeGreaterThanOrEqual(470);
    expect(creates[24]! - creates[4]!).toBeLessThan(1500);
  });
});

describe('TaskEngine: stats and close', () => {
  it('counts tasks by state and phase', async () => {
    const client = new FakeClient();
    client.script('q', resource(QUEUED));
    client.script('r', resource(RUNNING));
    const engine = engineFor(client);
    engine.submit(input('q'));
    engine.submit(input('r'));
    await sleep(30);
    expect(engine.stats()).toMatchObject({ tracked: 2, polling: 2, byPhase: { QUEUED: 1, RUNNING: 1 } });
    await engine.abortAll();
    expect(engine.stats()).toMatchObject({ tracked: 0, byPhase: {}, calls: { delete: 2 } });
  });

  it('close() rejects unfinished tasks with EngineClosedError and starts no further calls', async () => {
    const client = new FakeClient();
    client.script('t', resource(RUNNING));
    const engine = engineFor(client);
    const task = engine.submit(input('t'));
    await sleep(30);
    engine.close();
    await expect(task.done).rejects.toBeInstanceOf(EngineClosedError);
    const calls = client.calls.length;
    await sleep(60);
    expect(client.calls.length).toBe(calls);
    expect(() => engine.submit(input('late'))).toThrow(EngineClosedError);
  });

  it('survives a listener that throws', async () => {
    const client = new FakeClient();
    const engine = engineFor(client);
    const thrown: unknown[] = [];
    const onUncaught = (error: unknown) => thrown.push(error);
    process.prependListener('uncaughtException', onUncaught);
    try {
      engine.on('phase', () => {
        throw new Error('listener bug');
      });
      const final = await engine.submit(input('t')).done;
      expect(final.phase).toBe('SUCCEEDED');
      await sleep(10);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
    expect(thrown).toHaveLength(1);
  });
});
