// "Try it without an OpenAI account": runs demo/chat-task.yaml (chatgpt) and demo/batch-task.yaml (openai-batch with
// inline requests) through the real deployment path — the built `flyte-connect serve` with both connectors, then
// `flyte-connect run` against it over Flyte 2's protocol — with aimock (the tests' OpenAI-compatible server) and the
// tests' recording proxy standing in for the API (everything on 127.0.0.1).
//   npm run demo -w @org/connector-openai     (after `npm run build` at the repository root)
//   DEMO_TASK=chat | batch | both (default both)
// aimock moves a batch on as it is polled: validating when created, in_progress at the first read, completed at the
// second.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LLMock } from '@copilotkit/aimock';
import { TestProxy } from '../test/support/proxy.js';
import { CLI, PACKAGE_DIR, requireBuilt, serveBuilt, type ServedService } from './serve.js';

const DEMO_TASK = process.env['DEMO_TASK'] ?? 'both';
const QUESTION = 'What is Flyte?';
/** The demo's API key travels as an environment variable, read by `--secret-env` (never on the command line). */
const KEY_VARIABLE = 'DEMO_OPENAI_API_KEY';

const say = (text: string) => process.stderr.write(`[demo] ${text}\n`);

if (!['chat', 'batch', 'both'].includes(DEMO_TASK)) {
  say(`DEMO_TASK must be chat, batch or both (got ${DEMO_TASK})`);
  process.exit(2);
}
requireBuilt(say, '@org/connector-openai');

// 1. aimock with a chat fixture, behind the recording proxy.
const mock = new LLMock({ port: 0, host: '127.0.0.1' });
mock.onMessage(QUESTION, {
  content: 'Flyte is a workflow orchestrator for data and machine-learning pipelines.',
  usage: { prompt_tokens: 12, completion_tokens: 11 },
});
await mock.start();
const proxy = await TestProxy.start(mock.url);
say(`aimock (OpenAI-compatible) on ${mock.url}, behind a recording proxy on ${proxy.url}`);

// File outputs of the batch task are written below the output prefix, which the operator must allow.
const tempDir = mkdtempSync(join(tmpdir(), 'openai-demo-'));
const serviceEnv: NodeJS.ProcessEnv = {
  ...process.env,
  FLYTE_OPENAI_BASE_URL: `${proxy.url}/v1`,
  FLYTE_OPENAI_LOCAL_FILES_ROOT: tempDir,
};
delete serviceEnv['OPENAI_BASE_URL'];
delete serviceEnv['OPENAI_API_KEY'];
// The runner holds the key and sends it per request (connection.secrets); the service has none of its own.
const runnerEnv: NodeJS.ProcessEnv = { ...serviceEnv, [KEY_VARIABLE]: 'sk-demo-0123456789abcdef' };

let service: ServedService | undefined;
let exitCode = 0;
try {
  // 2. The connector service, as deployed: core's CLI loading the built plugin (chatgpt and openai-batch).
  service = await serveBuilt({ env: serviceEnv });
  say(`connector service (flyte-connect serve) on 127.0.0.1:${service.grpcPort}`);
  const common = [
    '--endpoint',
    `127.0.0.1:${service.grpcPort}`,
    '--protocol',
    'v2',
    '--secret-env',
    `openai_api_key=${KEY_VARIABLE}`,
  ];
  // 3. The task runs, on this terminal: progress lines, log links, then the outputs.
  if (DEMO_TASK !== 'batch') {
    const code = await run([
      'run',
      join(PACKAGE_DIR, 'demo/chat-task.yaml'),
      ...common,
      '--inputs',
      JSON.stringify({ message: QUESTION }),
    ]);
    exitCode ||= code;
  }
  if (DEMO_TASK !== 'chat') {
    const code = await run([
      'run',
      join(PACKAGE_DIR, 'demo/batch-task.yaml'),
      ...common,
      '--inputs-file',
      join(PACKAGE_DIR, 'demo/batch-inputs.yaml'),
      '--output-prefix',
      pathToFileURL(join(tempDir, 'batch-outputs')).href,
    ]);
    exitCode ||= code;
  }
  process.stderr.write('\n');
  say(`run(s) exited with ${exitCode}; ${summary()}`);
} catch (error) {
  exitCode = 3;
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  if (service !== undefined) process.stderr.write(service.log.join(''));
} finally {
  // 4. Stop everything.
  await service?.stop();
  await proxy.close();
  await mock.stop();
  rmSync(tempDir, { recursive: true, force: true });
}
process.exit(exitCode);

async function run(args: string[]): Promise<number> {
  say(`flyte-connect ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [CLI, ...args], { env: runnerEnv, stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => {
    child.once('close', (status, signal) => resolve(status ?? (signal === null ? 3 : 130)));
  });
  process.stderr.write('\n');
  return code;
}

/** What the API saw, from the proxy's record: each request, the headers that matter, and the batch's result file. */
function summary(): string {
  const lines = [`the API saw ${proxy.exchanges.length} requests on ${proxy.connections} connection(s):`];
  for (const exchange of proxy.exchanges) {
    const key = exchange.authorization?.replace(/^(Bearer sk-demo-).*$/, '$1…') ?? 'no key';
    lines.push(
      `  ${exchange.method} ${exchange.path} → ${exchange.status}  (${key}, organization ${exchange.organization ?? '-'})`,
    );
    if (exchange.path === '/v1/chat/completions') lines.push(`    body: ${exchange.body}`);
    if (exchange.path === '/v1/files' && exchange.method === 'POST') {
      const jsonl = exchange.body.split('\n').filter((line) => line.startsWith('{"custom_id"'));
      lines.push(`    uploaded ${jsonl.length} JSONL line(s), the first: ${jsonl[0] ?? '-'}`);
    }
  }
  if (DEMO_TASK !== 'chat') {
    const results = join(tempDir, 'batch-outputs', 'results.jsonl');
    try {
      const written = readFileSync(results, 'utf8').split('\n').filter(Boolean);
      lines.push(`${results}: ${written.length} result line(s), the first: ${written[0] ?? '-'}`);
    } catch {
      lines.push(`${results} was not written`);
    }
  }
  return lines.join('\n[demo] ');
}
