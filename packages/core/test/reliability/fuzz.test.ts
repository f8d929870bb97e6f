// Malformed input against the running service, over real gRPC, for every RPC of both protocol families: valid
// requests mutated at the protobuf level (bit flips, truncation, wrong wire types, oversize fields, lying lengths,
// overlong varints, deep nesting in literals and Structs) and random bytes. Every reply must be a gRPC status whose
// code fits a caller mistake, never INTERNAL/UNKNOWN, within the deadline; the process must stay up, SERVING, and
// inside a capped heap.
//
// RELIABILITY_FUZZ_CASES (default 200) sets the number of generated cases; RELIABILITY_FUZZ_SEED replays a run.
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { sleep } from '../support/util.js';
import { envNumber, RELIABILITY_FIXTURE, report } from './support/env.js';
import {
  emptyStats,
  healthStatus,
  record,
  rssMiB,
  runCase,
  ACCEPTABLE_CODES,
  type FuzzStats,
} from './support/fuzz-runner.js';
import { fuzzCaseArb, mutate, DEFAULT_LIMITS } from './support/mutate.js';
import { RawChannel, StatusName } from './support/raw-grpc.js';
import type { SimpleType } from '@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts';
import {
  createSeeds,
  createTaskRequest,
  fuzzTargets,
  syncStream,
  type CreatedTask,
  type FuzzTarget,
} from './support/seeds.js';
import { decodeFields } from './support/wire.js';

const CASES = envNumber('RELIABILITY_FUZZ_CASES', 200);
const SEED = envNumber('RELIABILITY_FUZZ_SEED', Date.now() % 2 ** 31);
/** Calls run at once (a Flyte client runs 10 workers; more makes the long run faster). */
const BATCH = envNumber('RELIABILITY_FUZZ_CONCURRENCY', 16);
/** A reply later than this counts as a hang. */
const DEADLINE_MS = 15_000;
/** The service's heap is capped: a leak ends in an out-of-memory crash, which the test sees. */
const HEAP_MIB = 384;
/** Messages above this are refused by the server (RESOURCE_EXHAUSTED); the fuzzer sends some just above it. */
const MAX_MESSAGE_MIB = 4;

let service: ServiceProcess;
let channel: RawChannel;
let targets: FuzzTarget[];

beforeAll(async () => {
  service = await startService({
    extraArgs: ['--modules', RELIABILITY_FIXTURE, '--max-message-size', String(MAX_MESSAGE_MIB)],
    env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` },
  });
  channel = new RawChannel(service.address);
  const { v2, categories } = createSeeds();
  const created: CreatedTask[] = [];
  for (const [index, bytes] of v2.entries()) {
    const outcome = await channel.call('unary', '/flyteidl2.connector.AsyncConnectorService/CreateTask', [
      bytes,
    ]);
    expect(outcome.code, outcome.details).toBe(status.OK);
    const meta = decodeFields(outcome.responses[0]!)?.find((f) => f.field === 1)?.value;
    created.push({
      category: categories[index]!,
      resourceMeta: meta instanceof Uint8Array ? meta : new Uint8Array(),
    });
  }
  targets = fuzzTargets(created);
});

afterAll(async () => {
  channel?.close();
  await stopAllServices();
});

/** The service's RSS; a service that died meanwhile fails the test with its last output. */
async function serviceRss(): Promise<number> {
  try {
    return await rssMiB(service.child.pid!);
  } catch {
    await Promise.race([service.exited, sleep(2_000)]);
    throw new Error(`the service exited during the run\n${service.describe()}`);
  }
}

describe('seeds', () => {
  it('every seed of every RPC is a valid request the service answers with OK', async () => {
    const names = new Set<string>();
    for (const target of targets) {
      for (const seed of target.seeds) {
        const outcome = await channel.call(target.kind, target.path, seed);
        expect({ target: target.name, code: StatusName[outcome.code] }, outcome.details).toEqual({
          target: target.name,
          code: 'OK',
        });
        expect(outcome.responses.length).toBeGreaterThan(0);
      }
      names.add(target.path.split('/')[1]!);
    }
    // Both protocol families, every service that takes requests.
    expect([...names].sort()).toEqual([
      'flyteidl.service.AgentMetadataService',
      'flyteidl.service.AsyncAgentService',
      'flyteidl.service.SyncAgentService',
      'flyteidl2.connector.AsyncConnectorService',
      'flyteidl2.connector.ConnectorMetadataService',
    ]);
  });
});

describe('deep nesting (every depth, both families)', () => {
  const createTargets = () => targets.filter((t) => /CreateTask|ExecuteTaskSync/.test(t.name));
  for (const kind of ['deep-literal', 'deep-struct'] as const) {
    for (const depth of DEFAULT_LIMITS.depths) {
      it(`${kind} ${depth} levels → a caller-mistake status`, async () => {
        for (const target of createTargets()) {
          for (const variant of [0, 1]) {
            const seed = [...target.seeds[0]!];
            const index = target.kind === 'bidi' ? (kind === 'deep-literal' ? 1 : 0) : 0;
            seed[index] = mutate(seed[index]!, {
              kind,
              a: DEFAULT_LIMITS.depths.indexOf(depth),
              b: variant,
              c: 0,
            });
            const outcome = await channel.call(target.kind, target.path, seed, { deadlineMs: DEADLINE_MS });
            expect(
              {
                target: target.name,
                variant,
                code: StatusName[outcome.code],
                acceptable: ACCEPTABLE_CODES.has(outcome.code),
              },
              outcome.details.slice(0, 300),
            ).toEqual({ target: target.name, variant, code: StatusName[outcome.code], acceptable: true });
          }
        }
      });
    }
  }
});

describe('requests above --max-message-size', () => {
  // Known transport issue (grpc-js server on Node's HTTP/2): the server answers an over-limit request while the
  // client is still sending it, and the grpc-js client then often fails the stream itself ("Received RST_STREAM with
  // code 2 triggered by internal client error: Protocol error", reported as INTERNAL by the *client*) together with
  // every other call in flight on the same connection. The service is unaffected; this test pins that down.
  it('are refused on their own connection; other clients, health and the process are unaffected', async () => {
    const sizes = [MAX_MESSAGE_MIB * 1024 * 1024 + 1, 5 * 1024 * 1024, 8 * 1024 * 1024];
    const paths = [
      '/flyteidl.service.AsyncAgentService/CreateTask',
      '/flyteidl2.connector.AsyncConnectorService/CreateTask',
      '/flyteidl.service.AgentMetadataService/GetAgent',
    ];
    const seen: string[] = [];
    const create = targets.find((t) => t.name === 'v2 CreateTask')!;
    const normal = (async () => {
      const codes: string[] = [];
      for (let i = 0; i < 20; i++) {
        const outcome = await channel.call('unary', create.path, [create.seeds[0]![0]!]);
        codes.push(StatusName[outcome.code]!);
      }
      return codes;
    })();
    for (const size of sizes) {
      for (const path of paths) {
        // A string field (number 1) of `size` bytes: valid protobuf, just too big.
        const body = new Uint8Array(size + 5);
        body.set([
          0x0a,
          0x80 | (size & 0x7f),
          0x80 | ((size >> 7) & 0x7f),
          0x80 | ((size >> 14) & 0x7f),
          size >> 21,
        ]);
        const abuser = new RawChannel(service.address);
        const outcome = await abuser.call('unary', path, [body], { deadlineMs: DEADLINE_MS });
        abuser.close();
        seen.push(`${StatusName[outcome.code]} ${outcome.details.slice(0, 60)}`);
        expect(
          outcome.code === status.RESOURCE_EXHAUSTED ||
            (outcome.code === status.INTERNAL && outcome.details.startsWith('Received RST_STREAM')),
          `${path} ${size}: ${StatusName[outcome.code]} ${outcome.details}`,
        ).toBe(true);
      }
    }
    const normalCodes = await normal;
    report('over-limit', {
      requests: seen.length,
      outcomes: seen.reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {}),
      normalCallsDuring: normalCodes.length,
    });
    expect(normalCodes.every((code) => code === 'OK')).toBe(true);
    expect(await healthStatus(channel)).toBe('SERVING');
    expect(service.running).toBe(true);
  }, 120_000);
});

describe('found by the fuzzer, fixed', () => {
  it('GetAgent with a 1 MiB name → NOT_FOUND with bounded details; calls sharing the connection are unharmed', async () => {
    // The unknown name used to be echoed whole into grpc-message; the grpc-js client then failed the connection.
    const name = 'n'.repeat(1024 * 1024);
    const body = new Uint8Array(name.length + 5);
    body.set([0x0a, 0x80, 0x80, 0x40]); // field 1 (name), length 2^20 as a varint
    body.set(new TextEncoder().encode(name), 4);
    const request = body.subarray(0, name.length + 4);
    const create = targets.find((t) => t.name === 'v2 CreateTask')!;
    const [agent, ...others] = await Promise.all([
      channel.call('unary', '/flyteidl.service.AgentMetadataService/GetAgent', [request]),
      ...Array.from({ length: 10 }, () => channel.call('unary', create.path, [create.seeds[0]![0]!])),
    ]);
    expect(StatusName[agent.code], agent.details.slice(0, 200)).toBe('NOT_FOUND');
    expect(agent.details.length).toBeLessThan(2_100);
    expect(others.map((o) => StatusName[o.code])).toEqual(new Array<string>(10).fill('OK'));
  });
});

describe('known findings', () => {
  // A template that declares an output with a simple type outside the enum (here -1) is the caller's mistake. Core
  // reported the failed output conversion as a connector bug (INTERNAL) until create checked the declaration.
  it('an output declared with an unknown simple type → INVALID_ARGUMENT', async () => {
    // test_sync (the standard fixture) always returns its o0 output; the template declares o0 with type -1.
    const request = createTaskRequest({
      category: { name: 'test_sync', version: 0 },
      inputs: { message: 'hi' },
      outputs: ['o0'],
      outputType: -1 as SimpleType,
      executionName: 'unknown-output-type',
      flyte1: true,
    });
    const outcome = await channel.call(
      'bidi',
      '/flyteidl.service.SyncAgentService/ExecuteTaskSync',
      syncStream(request),
    );
    expect(StatusName[outcome.code], outcome.details).toBe('INVALID_ARGUMENT');
  });
});

describe('property: any mutated or random request', () => {
  it(
    `${CASES} cases: a fitting status within ${DEADLINE_MS / 1000} s; the process stays up, SERVING, bounded`,
    async () => {
      const stats: FuzzStats = emptyStats();
      // Collecting mode (long runs) keeps going after a failure to count them all; otherwise fast-check stops at the
      // first failure and shrinks it to a minimal case.
      const collect = process.env['RELIABILITY_FUZZ_COLLECT'] === '1';
      const rssBefore = await rssMiB(service.child.pid!);
      let rssPeak = rssBefore;
      let batches = 0;
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(fc.array(fuzzCaseArb, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
          const results = await Promise.all(
            cases.map((c) => runCase(channel, targets, c, { deadlineMs: DEADLINE_MS })),
          );
          for (const result of results) record(stats, result);
          batches += 1;
          // A crash ends the run at once, with what the service printed last.
          if (!service.running) throw new Error(`the service exited during the run\n${service.describe()}`);
          if (batches % 25 === 0) {
            rssPeak = Math.max(rssPeak, await serviceRss());
            expect(await healthStatus(channel)).toBe('SERVING');
          }
          // Long runs show their progress (and leave partial figures behind if they are stopped).
          if (collect && batches % 125 === 0) {
            report('fuzz-progress', {
              cases: stats.cases,
              seconds: Math.round((performance.now() - started) / 1000),
              byCode: stats.byCode,
              failures: stats.failures.length,
              rssMiB: await serviceRss(),
            });
          }
          const bad = results.filter((r) => !r.acceptable);
          if (collect || bad.length === 0) return true;
          throw new Error(
            bad
              .map(
                (r) =>
                  `${r.target}: ${r.description} → ${StatusName[r.outcome.code]} ${r.outcome.details.slice(0, 300)}`,
              )
              .join('\n'),
          );
        }),
        { numRuns: Math.max(1, Math.ceil(CASES / BATCH)), seed: SEED, endOnFailure: collect },
      );
      const seconds = (performance.now() - started) / 1000;
      const health = await healthStatus(channel);
      const rssAfter = await rssMiB(service.child.pid!);
      report('fuzz', {
        seed: SEED,
        cases: stats.cases,
        seconds: Math.round(seconds),
        casesPerSecond: Math.round(stats.cases / seconds),
        byCode: stats.byCode,
        byTarget: stats.byTarget,
        slowestReplyMs: Math.round(stats.slowestMs),
        rssMiB: { before: rssBefore, peak: Math.max(rssPeak, rssAfter), after: rssAfter },
        heapCapMiB: HEAP_MIB,
        health,
        failures: stats.failures,
      });
      expect(stats.failures).toEqual([]);
      expect(stats.cases).toBeGreaterThanOrEqual(CASES);
      expect(health).toBe('SERVING');
      expect(service.running).toBe(true);
      expect(service.output).not.toMatch(
        /uncaught exception|unhandled promise rejection|heap out of memory/i,
      );
      // Oversize messages come and go; what stays must be far below the heap cap.
      expect(rssAfter).toBeLessThan(rssBefore + 256);
      // Every code seen is one that names a caller mistake; INTERNAL and UNKNOWN never appear.
      expect(
        Object.keys(stats.byCode).filter(
          (code) => !ACCEPTABLE_CODES.has(status[code as keyof typeof status]),
        ),
      ).toEqual([]);
    },
    60_000 + CASES * 100,
  );
});
