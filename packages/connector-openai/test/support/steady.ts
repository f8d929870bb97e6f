// Runs steady (@stdy/cli) on 127.0.0.1 with OpenAI's published API description: every request is validated against
// it (a non-conforming one gets a 400 naming the problem), answers are schema-valid but random.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoRoot = resolve(packageRoot, '..', '..');

/** The description the project keeps beside it (../shared/contracts from the repository root). */
export const OPENAI_SPEC = resolve(repoRoot, '..', 'shared', 'contracts', 'openai-openapi.yml');

const STEADY_BINARIES = [
  resolve(packageRoot, 'node_modules', '.bin', 'steady'),
  resolve(repoRoot, 'node_modules', '.bin', 'steady'),
];

export function steadyBinary(): string | undefined {
  return STEADY_BINARIES.find((path) => existsSync(path));
}

export interface Steady {
  readonly url: string;
  readonly output: string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export async function startSteady(binary: string, spec: string): Promise<Steady> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      '--host',
      '127.0.0.1',
      '-p',
      String(port),
      '--validator-query-array-format=brackets',
      '--validator-form-array-format=brackets',
      '--validator-query-object-format=brackets',
      '--validator-form-object-format=brackets',
      spec,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`steady exited (${child.exitCode}): ${output.join('')}`);
    const healthy = await fetch(`${url}/_x-steady/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { url, output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`steady did not become healthy: ${output.join('')}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}
