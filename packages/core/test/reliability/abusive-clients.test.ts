// Abusive clients: many idle connections, many concurrent half-open streams, huge metadata, and clients that never
// read their responses. Through all of it the service must keep answering health checks and normal calls from a
// well-behaved client, and what an abuser holds must be let go when it leaves.
//
// RELIABILITY_IDLE_CONNECTIONS (default 300) sets the number of idle connections.
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { sleep } from '../support/util.js';
import { envNumber, RELIABILITY_FIXTURE, report } from './support/env.js';
import { healthStatus, openFds, rssMiB } from './support/fuzz-runner.js';
import { RawChannel, StatusName } from './support/raw-grpc.js';
import {
  createTaskRequest,
  lifecycleRequests,
  phaseOf,
  resourceMetaOf,
  syncStream,
  type SeedCategory,
} from './support/seeds.js';

const FUZZ_ASYNC: SeedCategory = { name: 'fuzz_async', version: 0 };
const FUZZ_SYNC: SeedCategory = { name: 'fuzz_sync', version: 0 };
const V2 = '/flyteidl2.connector.AsyncConnectorService';

let service: ServiceProcess;
/** The well-behaved client: its own connection. */
let good: RawChannel;

beforeAll(async () => {
  service = await startService({ extraArgs: ['--modules', RELIABILITY_FIXTURE] });
  good = new RawChannel(service.address);
});

afterAll(async () => {
  good?.close();
  await stopAllServices();
});

/** A normal create + get from the good client; resolves with how long it took. */
async function normalCall(): Promise<number> {
  const started = performance.now();
  const create = await good.call(
    'unary',
    `${V2}/CreateTask`,
    [createTaskRequest({ category: FUZZ_ASYNC, inputs: { n: 4n }, executionName: `abuse-${Date.now()}` })],
    { deadlineMs: 10_000 },
  );
  expect(StatusName[create.code], create.details).toBe('OK');
  const { get } = lifecycleRequests({
    category: FUZZ_ASYNC,
    resourceMeta: resourceMetaOf(create.responses[0]),
  });
  const reply = await good.call('unary', `${V2}/GetTask`, [get], { deadlineMs: 10_000 });
  expect(StatusName[reply.code], reply.details).toBe('OK');
  expect(phaseOf(reply.responses[0])).toBe(3);
  expect(await healthStatus(good)).toBe('SERVING');
  return Math.round(performance.now() - started);
}

function openSession(): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${service.address}`);
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** A gRPC request body: the 5-byte length prefix and the message. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.byteLength);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

describe('idle connections', () => {
  it('hundreds of idle HTTP/2 connections: health and normal calls still answer; fds come back when they close', async () => {
    const COUNT = envNumber('RELIABILITY_IDLE_CONNECTIONS', 300);
    const pid = service.child.pid!;
    const fdsBefore = await openFds(pid);
    const rssBefore = await rssMiB(pid);
    const sessions: ClientHttp2Session[] = [];
    for (let i = 0; i < COUNT; i += 50) {
      sessions.push(...(await Promise.all(Array.from({ length: Math.min(50, COUNT - i) }, openSession))));
    }
    await sleep(200);
    const fdsHeld = await openFds(pid);
    const rssHeld = await rssMiB(pid);
    const latencyMs = await normalCall();
    for (const session of sessions) session.close();
    await sleep(1_000);
    const fdsAfter = await openFds(pid);
    report('idle-connections', {
      connections: COUNT,
      fds: { before: fdsBefore, held: fdsHeld, after: fdsAfter },
      rssMiB: { before: rssBefore, held: rssHeld },
      normalCreateAndGetMs: latencyMs,
    });
    // Each idle connection holds one socket in the service (a few may still be in the accept queue).
    expect(fdsHeld).toBeGreaterThanOrEqual(fdsBefore + COUNT - 5);
    expect(fdsAfter).toBeLessThan(fdsBefore + 10);
  }, 120_000);
});

describe('many concurrent streams', () => {
  it('1,500 half-open ExecuteTaskSync streams on one connection hold no worker; health and normal calls answer', async () => {
    const abuser = new RawChannel(service.address);
    const [header] = syncStream(
      createTaskRequest({ category: FUZZ_SYNC, inputs: { s: 'x' }, executionName: 'streams' }),
    );
    const streams = Array.from({ length: 1_500 }, () => {
      // The header is sent but the stream never ends: the service waits for the inputs and holds no worker slot.
      const call = abuser.client.makeBidiStreamRequest(
        '/flyteidl.service.SyncAgentService/ExecuteTaskSync',
        (b: Buffer) => b,
        (b: Buffer) => b,
        new Metadata(),
        { deadline: Date.now() + 60_000 },
      );
      call.on('error', () => undefined);
      call.write(Buffer.from(header!));
      return call;
    });
    await sleep(1_000);
    const latencyMs = await normalCall();
    for (const call of streams) call.cancel();
    abuser.close();
    report('concurrent-streams', { streams: streams.length, normalCreateAndGetMs: latencyMs });
  }, 60_000);
});

describe('huge metadata', () => {
  it('a call with 1 MiB of metadata is refused; the service keeps answering', async () => {
    const abuser = new RawChannel(service.address);
    const results: string[] = [];
    for (const [what, metadata] of [
      ['one 1 MiB header', headers(1, 1024 * 1024)],
      ['10,000 small headers', headers(10_000, 100)],
    ] as const) {
      const outcome = await abuser.call(
        'unary',
        '/flyteidl2.connector.ConnectorMetadataService/ListConnectors',
        [new Uint8Array()],
        {
          metadata,
          deadlineMs: 10_000,
        },
      );
      results.push(`${what}: ${StatusName[outcome.code]} ${outcome.details.slice(0, 120)}`);
      expect(outcome.code, what).not.toBe(status.OK);
      expect(outcome.code, what).not.toBe(status.DEADLINE_EXCEEDED);
    }
    abuser.close();
    const latencyMs = await normalCall();
    report('huge-metadata', { results, normalCreateAndGetMs: latencyMs });
    expect(service.running).toBe(true);
  }, 60_000);

  function headers(count: number, size: number): Metadata {
    const metadata = new Metadata();
    for (let i = 0; i < count; i++) metadata.add(`x-abuse-${i}`, 'v'.repeat(size));
    return metadata;
  }
});

describe('clients that never read', () => {
  it('200 GetTask replies of 512 KiB left unread: the service keeps answering; what it buffers stays bounded', async () => {
    const pid = service.child.pid!;
    // A sync task's resource_meta carries its (large) result, so GetTask answers with ~512 KiB.
    const create = await good.call('unary', `${V2}/CreateTask`, [
      createTaskRequest({
        category: FUZZ_SYNC,
        inputs: { s: 'r'.repeat(512 * 1024) },
        outputs: ['out'],
        executionName: 'unread',
      }),
    ]);
    expect(StatusName[create.code], create.details).toBe('OK');
    const { get } = lifecycleRequests({
      category: FUZZ_SYNC,
      resourceMeta: resourceMetaOf(create.responses[0]),
    });
    const rssBefore = await rssMiB(pid);
    const session = await openSession();
    const streams = Array.from({ length: 200 }, () => {
      const stream = session.request({
        ':method': 'POST',
        ':path': `${V2}/GetTask`,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined);
      stream.end(grpcFrame(get));
      // Never read: no 'data' listener, so HTTP/2 flow control stops the server after the first window.
      return stream;
    });
    await sleep(2_000);
    const rssHeld = await rssMiB(pid);
    const latencyMs = await normalCall();
    for (const stream of streams) stream.close(constants.NGHTTP2_CANCEL);
    session.destroy();
    await sleep(2_000);
    const rssAfter = await rssMiB(pid);
    report('never-read', {
      streams: streams.length,
      replyKiB: 512,
      rssMiB: { before: rssBefore, held: rssHeld, after: rssAfter },
      normalCreateAndGetMs: latencyMs,
    });
    expect(service.running).toBe(true);
    // Replies to a client that does not read are buffered in the service (HTTP/2 flow control stops the socket, not
    // the writes): what is held grows with what is left unread, but no more (100 MiB here, plus slack for the GC).
    expect(rssHeld - rssBefore).toBeLessThan(150);
    expect(await healthStatus(good)).toBe('SERVING');
  }, 60_000);
});
