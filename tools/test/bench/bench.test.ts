// The parts of the side-by-side suite that need neither Python nor ghz: the bench connector's semantics (which the
// Python twins mirror), the bare transport server and readiness probe, and the report the suite writes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessClient, inputsToLiterals, type ConnectorClient } from '@org/connector-core';
import { taskTemplate } from '@org/connector-core/testing';
import plugin from '../../src/bench/bench-connector.js';
import { connect, unary } from '../../src/bench/grpc.ts';
import { DOCS_END, DOCS_START, renderScenario, writeDocsBlock } from '../../src/bench/report.ts';
import { readConnectorBench } from '../../src/bench/scenarios/connector-cpu.ts';
import { startServer, TARGETS } from '../../src/bench/targets.ts';

const workDir = mkdtempSync(join(tmpdir(), 'bench-test-'));

describe('bench connector', () => {
  const client: ConnectorClient = createInProcessClient({ connectors: plugin.connectors({ env: {} }) });
  afterAll(() => client.close());

  async function createJob(type: string) {
    const template = taskTemplate({ type, inputs: { payload: 'STRING' }, outputs: { result: 'INTEGER' } });
    const resourceMeta = await client.create({
      template,
      inputs: inputsToLiterals({ payload: 'x' }, template),
      outputPrefix: 's3://bucket/prefix',
    });
    return { category: { name: type, version: 0 }, resourceMeta, outputPrefix: 's3://bucket/prefix' };
  }

  it('answers RUNNING for two polls, then SUCCEEDED with result = 42', async () => {
    const task = await createJob('bench_job');
    const phases: number[] = [];
    for (let poll = 0; poll < 4; poll += 1) phases.push((await client.get(task)).phase);
    expect(phases).toEqual([2, 2, 3, 3]);
    const output = (await client.get(task)).outputs?.literals.find((literal) => literal.name === 'result');
    expect(output?.value?.value).toMatchObject({
      case: 'scalar',
      value: { value: { case: 'primitive', value: { value: { case: 'integer', value: 42n } } } },
    });
  });

  it('awaits about a second in the slow create', async () => {
    const started = performance.now();
    await createJob('bench_slow_job');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });
});

describe('bare transport server', () => {
  it('is SERVING to the health probe and answers with the given bytes after the given delay', async () => {
    const bare = TARGETS.find((target) => target.id === 'bare')!;
    const answer = Buffer.from([0x0a, 0x02, 0x7b, 0x7d]);
    const server = await startServer(bare, {
      peers: {} as never,
      workDir,
      bareAnswers: {
        '/flyteidl2.connector.AsyncConnectorService/GetTask': { base64: answer.toString('base64') },
        '/flyteidl2.connector.AsyncConnectorService/CreateTask': {
          base64: answer.toString('base64'),
          delayMs: 300,
        },
      },
    });
    const client = connect(server.port);
    try {
      expect(server.startMs).toBeGreaterThan(0);
      expect(
        await unary(client, '/flyteidl2.connector.AsyncConnectorService/GetTask', new Uint8Array([1])),
      ).toEqual(answer);
      const started = performance.now();
      await unary(client, '/flyteidl2.connector.AsyncConnectorService/CreateTask', new Uint8Array([1]));
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      client.close();
      await server.stop();
    }
  });
});

describe('report', () => {
  const scenario = {
    heading: 'GetTask',
    method: 'method text',
    tables: [
      {
        title: 'Saturation',
        figures: [{ label: 'GetTask/s', better: 'higher' as const }, { label: 'errors' }],
        rows: [
          { label: 'ours', target: 'ours-v2' as const, cells: [3000, 0] },
          { label: 'sdk', target: 'flyte-sdk' as const, cells: [600, 0] },
          { label: 'bare', target: 'bare' as const, cells: [4000, 0] },
        ],
      },
    ],
    notes: ['a note'],
  };

  it('puts our ratio to the peer of the same family and to the bare transport under the figures', () => {
    const markdown = renderScenario(scenario);
    expect(markdown).toContain('| ours | 3,000 | 0 |');
    expect(markdown).toContain('| flyte-connect, Flyte 2 ÷ flyte-sdk c0 | 5.00× |');
    expect(markdown).toContain('| flyte-connect, Flyte 2 ÷ bare grpc-js | 0.75× |');
    // No flytekit row, so no Flyte 1 ratio.
    expect(markdown).not.toContain('flytekit');
  });

  it('rewrites only the marked block of the docs file', () => {
    const file = join(workDir, 'benchmarks.md');
    writeFileSync(file, `# Before\n\n${DOCS_START}\nold figures\n${DOCS_END}\n\n## After\n`);
    writeDocsBlock(file, 'new figures');
    expect(readFileSync(file, 'utf8')).toBe(
      `# Before\n\n${DOCS_START}\nnew figures\n${DOCS_END}\n\n## After\n`,
    );
    writeFileSync(file, '# no markers\n');
    expect(() => writeDocsBlock(file, 'x')).toThrow(/no <!-- bench:python:start -->/);
  });

  it('reads the CPU per GetTask of a connector package bench table', () => {
    const table = [
      '| measure | value | target |',
      '| GetTask/s answered by the service | 419 | 1000 |',
      '| service CPU per GetTask (ms) | 1.747 | ≤ 1 |',
    ].join('\n');
    expect(readConnectorBench(table)).toEqual({ cpuUsPerGet: 1747, getsPerSecond: 419 });
  });
});
