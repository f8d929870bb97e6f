// ChatGPT connector benchmark (issue 7). Prints figures; not a test. Run after `npm run build` at the root:
//   npm run bench:chat -w @org/connector-openai   (BENCH_CONCURRENCY=200 BENCH_CALLS=2000)
// "Added latency of the service over a direct SDK call to the same local server, p50/p99 at 200 concurrent calls":
// the same chat completion (demo/chat-task.yaml's model and settings, the message 'ping') is sent BENCH_CALLS times
// with BENCH_CONCURRENCY calls in flight, (1) directly with the `openai` SDK to aimock, (2) as a chatgpt task to the
// service (`flyte-connect serve` with the built plugin, pinned with taskset to the last core when available) over
// Flyte 2's protocol — CreateTask, which runs the chat, then GetTask, which answers its output, as the Flyte 2
// executor drives a sync connector — and the service calls the same aimock. aimock, the SDK client and the gRPC
// client share this process, so both sides pay for it alike; each side starts with a warm-up of BENCH_CONCURRENCY
// calls that is not counted. Service CPU per call: utime+stime from /proc/<pid>/stat over side (2) / its calls.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { LLMock } from '@copilotkit/aimock';
import { createGrpcClient, inputsToLiterals, parseTaskFile } from '@org/connector-core';
import { clockTicksPerSecond, phaseName, processCpuTicks } from '@org/connector-core/testing';
import { OpenAI } from 'openai';
import { PACKAGE_DIR, requireBuilt, serveBuilt } from '../demo/serve.js';

const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 200);
const CALLS = Number(process.env['BENCH_CALLS'] ?? 2000);
const CALL_TIMEOUT_MS = 30_000;
const API_KEY = 'sk-bench-0123456789abcdef';
const MESSAGE = 'ping';
const CLOCK_TICKS = clockTicksPerSecond();

requireBuilt((text) => process.stderr.write(`${text}\n`), '@org/connector-openai');

const mock = new LLMock({ port: 0, host: '127.0.0.1' });
mock.onMessage(MESSAGE, { content: 'pong', usage: { prompt_tokens: 1, completion_tokens: 1 } });
await mock.start();
const baseURL = `${mock.url}/v1`;

const template = parseTaskFile(
  readFileSync(join(PACKAGE_DIR, 'demo/chat-task.yaml')),
  'chat-task.yaml',
).template;
const custom = template.custom as {
  openai_organization: string;
  chatgpt_config: { model: string; temperature: number };
};

// (1) Direct: the SDK as the connector configures it, in this process.
const sdk = new OpenAI({ apiKey: API_KEY, baseURL, organization: custom.openai_organization, maxRetries: 0 });
const direct = await measure(async () => {
  const answer = await sdk.chat.completions.create(
    { ...custom.chatgpt_config, messages: [{ role: 'user', content: MESSAGE }] },
    { timeout: CALL_TIMEOUT_MS },
  );
  if (answer.choices[0]?.message.content !== 'pong') throw new Error('unexpected direct answer');
});

// (2) Through the service.
const service = await serveBuilt({
  pin: true,
  env: { PATH: process.env['PATH'], HOME: process.env['HOME'], FLYTE_OPENAI_BASE_URL: baseURL },
});
const pid = service.child.pid!;
const client = createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol: 'v2' });
const inputs = inputsToLiterals({ message: MESSAGE }, template);
const connection = { secrets: { openai_api_key: API_KEY }, configs: {} };
const category = { name: template.type, version: template.taskTypeVersion };
const ticksBefore = { value: 0 };
const viaService = await measure(
  async () => {
    const options = { timeoutMs: CALL_TIMEOUT_MS };
    const resourceMeta = await client.create({ template, inputs, outputPrefix: '', connection }, options);
    const resource = await client.get({ category, resourceMeta, outputPrefix: '', connection }, options);
    if (phaseName(resource) !== 'SUCCEEDED') throw new Error(`service answered ${phaseName(resource)}`);
  },
  () => {
    ticksBefore.value = processCpuTicks(pid);
  },
);
const serviceCpuMs = ((processCpuTicks(pid) - ticksBefore.value) / CLOCK_TICKS) * 1000;

client.close();
await service.stop();
await mock.stop();

const fmt = (n: number, d = 2) => n.toFixed(d);
const cores = availableParallelism();
const header =
  `ChatGPT connector benchmark — ${CALLS} chat calls per side, ${CONCURRENCY} in flight, Flyte 2 gRPC ` +
  `(CreateTask + GetTask), node ${process.version}, ${cores} cores, service ` +
  `${service.pinnedCore === undefined ? 'not pinned' : `pinned to core ${service.pinnedCore}`}`;
const rows = [
  ['measure', 'direct SDK call', 'through the service', 'added by the service'],
  ['p50 latency (ms)', fmt(direct.p50), fmt(viaService.p50), fmt(viaService.p50 - direct.p50)],
  ['p99 latency (ms)', fmt(direct.p99), fmt(viaService.p99), fmt(viaService.p99 - direct.p99)],
  ['calls/s', fmt(direct.rate, 0), fmt(viaService.rate, 0), ''],
  ['errors', String(direct.errors), String(viaService.errors), ''],
  ['service CPU per call (ms)', '', fmt(serviceCpuMs / CALLS, 3), ''],
];
const table = rows.map((row) => `| ${row.join(' | ')} |`);
table.splice(1, 0, '|---|---|---|---|');
process.stdout.write(`\n${header}\n\n${table.join('\n')}\n`);
process.exit(direct.errors + viaService.errors === 0 ? 0 : 1);

// ------------------------------------------------------------------------------------------------ helpers

interface Latencies {
  readonly p50: number;
  readonly p99: number;
  readonly rate: number;
  readonly errors: number;
}

/** A warm-up of CONCURRENCY calls, then CALLS calls with CONCURRENCY in flight; latencies of the counted ones. */
async function measure(call: () => Promise<void>, onStart?: () => void): Promise<Latencies> {
  await run(CONCURRENCY, call);
  onStart?.();
  const started = performance.now();
  const { latencies, errors } = await run(CALLS, call);
  const wall = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), rate: latencies.length / wall, errors };
}

async function run(
  count: number,
  call: () => Promise<void>,
): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const start = performance.now();
      try {
        await call();
        latencies.push(performance.now() - start);
      } catch (error) {
        errors += 1;
        if (errors === 1) process.stderr.write(`first error: ${String(error)}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  return { latencies, errors };
}
