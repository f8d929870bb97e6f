// The connector generator end to end: it scaffolds a package into a copy of the workspace, and that package builds,
// lints, typechecks and passes its own tests (core's acceptance kit against its local backend) without any edit,
// and core's discovery lists it.
import { spawn } from 'node:child_process';
import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWorkspace, shortName } from '../../src/image/workspace.ts';
import { copyWorkspace, type WorkspaceCopy } from './workspace-copy.ts';

const WORKSPACE = fileURLToPath(new URL('../../..', import.meta.url));
const GENERATOR = join(WORKSPACE, 'tools/src/generate-connector/main.ts');
/**
 * Each generated-package test runs tsc, ESLint and Vitest several times: about a minute on a quiet 2-core machine,
 * several on a loaded one.
 */
const GENERATED_PACKAGE_TIMEOUT_MS = 600_000;
/** The sections every first-party connector README has, in this order. */
const README_SECTIONS = [
  'What it does',
  'Install',
  'Task settings and parameters',
  'Credentials',
  'Phases',
  'Outputs',
  'Idempotency',
  'Log links',
  'Limitations',
];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout and stderr, interleaved: what a failure message shows. */
  readonly output: string;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, output }));
  });
}

function generate(workspace: WorkspaceCopy, args: readonly string[]): Promise<Run> {
  return run(process.execPath, [GENERATOR, ...args], workspace.root, {
    FLYTE_WORKSPACE_ROOT: workspace.root,
  });
}

/** Runs an npm script of a package; a failure fails the test with the script's output. */
async function runScript(packageDir: string, script: string): Promise<void> {
  const result = await run('npm', ['run', script], packageDir);
  expect(result.code, `npm run ${script} in ${packageDir} failed:\n${result.output}`).toBe(0);
}

interface Listed {
  readonly name: string;
  readonly sync: boolean;
  readonly taskCategories: readonly { name: string; version: number }[];
  readonly sources: readonly string[];
  readonly parameters: readonly { name: string; secret: boolean; required: boolean }[];
}

async function listConnectors(workspace: WorkspaceCopy): Promise<Listed[]> {
  const cli = join(workspace.root, 'packages/core/dist/cli/main.js');
  const result = await run(process.execPath, [cli, 'list', '--json'], workspace.root);
  expect(result.code, result.output).toBe(0);
  return (JSON.parse(result.stdout) as { connectors: Listed[] }).connectors;
}

describe('npm run new-connector', () => {
  let workspace: WorkspaceCopy;

  beforeAll(async () => {
    workspace = await copyWorkspace(WORKSPACE);
  });

  afterAll(async () => {
    await workspace?.remove();
  });

  it(
    'scaffolds an async REST connector that builds, lints, typechecks, passes the acceptance kit and is discovered',
    async () => {
      const generated = await generate(workspace, [
        'acme-jobs',
        '--async',
        '--task-type',
        'acme_query',
        '--rest',
        '--skip-install',
      ]);
      expect(generated.code, generated.output).toBe(0);
      const packageDir = join(workspace.root, 'packages/connector-acme-jobs');

      const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
      expect(manifest).toMatchObject({
        name: '@org/connector-acme-jobs',
        'flyte.connectors': { 'acme-jobs': './dist/plugin.js' },
        peerDependencies: { '@org/connector-core': '^0.1.0' },
      });
      const tsconfig = JSON.parse(await readFile(join(workspace.root, 'tsconfig.json'), 'utf8'));
      expect(tsconfig.references).toContainEqual({ path: 'packages/connector-acme-jobs/tsconfig.lib.json' });
      const headings = [
        ...(await readFile(join(packageDir, 'README.md'), 'utf8')).matchAll(/^## (.+)$/gm),
      ].map((match) => match[1]);
      expect(headings.filter((heading) => README_SECTIONS.includes(heading!))).toEqual(README_SECTIONS);
      // The image builder's selection of connector packages picks it up with no list to edit.
      const imagePackages = (await readWorkspace(workspace.root)).connectors.map((p) => p.name);
      expect(imagePackages).toContain('@org/connector-acme-jobs');
      expect(shortName('@org/connector-acme-jobs')).toBe('acme-jobs');
      const link = join(workspace.root, 'node_modules/@org/connector-acme-jobs');
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe('../../packages/connector-acme-jobs');

      await runScript(packageDir, 'build');
      // Both type-check the package; side by side they take the time of one.
      await Promise.all([runScript(packageDir, 'lint'), runScript(packageDir, 'typecheck')]);
      await runScript(packageDir, 'test');
      // The module discovery loads (image builds select packages by the same field).
      expect((await stat(join(packageDir, 'dist/plugin.js'))).isFile()).toBe(true);

      const listed = (await listConnectors(workspace)).find((c) => c.name === 'Acme Jobs Connector');
      expect(listed).toMatchObject({
        sync: false,
        taskCategories: [{ name: 'acme_query', version: 0 }],
      });
      expect(listed?.sources.join(' ')).toContain('@org/connector-acme-jobs');
      expect(listed?.parameters.find((p) => p.name === 'acme_jobs_token')).toMatchObject({
        secret: true,
        required: true,
      });
    },
    GENERATED_PACKAGE_TIMEOUT_MS,
  );

  it(
    'scaffolds sync connectors, with and without a REST API, that build, lint, typecheck and pass the acceptance kit',
    async () => {
      for (const args of [
        ['echo', '--sync', '--rest'],
        ['signer', '--sync', '--task-type', 'hmac_sign'],
      ]) {
        const generated = await generate(workspace, [...args, '--skip-install']);
        expect(generated.code, generated.output).toBe(0);
      }
      const packages = ['connector-echo', 'connector-signer'].map((dir) =>
        join(workspace.root, 'packages', dir),
      );
      // One `tsc -b` for both: core's declarations are loaded once.
      const build = await run(
        'npx',
        ['tsc', '-b', ...packages.map((dir) => join(dir, 'tsconfig.lib.json'))],
        workspace.root,
      );
      expect(build.code, build.output).toBe(0);
      // One ESLint run over both packages, beside their type checks.
      const [lint] = await Promise.all([
        run('npx', ['eslint', ...packages], workspace.root),
        ...packages.map((dir) => runScript(dir, 'typecheck')),
      ]);
      expect(lint.code, lint.output).toBe(0);
      for (const dir of packages) await runScript(dir, 'test');

      const listed = await listConnectors(workspace);
      expect(listed.find((c) => c.name === 'Echo Connector')).toMatchObject({
        sync: true,
        taskCategories: [{ name: 'echo', version: 0 }],
      });
      expect(listed.find((c) => c.name === 'Signer Connector')).toMatchObject({
        sync: true,
        taskCategories: [{ name: 'hmac_sign', version: 0 }],
      });
    },
    GENERATED_PACKAGE_TIMEOUT_MS,
  );

  it('refuses a package that already exists and names that are not package names', async () => {
    const again = await generate(workspace, ['acme-jobs', '--skip-install']);
    expect(again.code).toBe(1);
    expect(again.output).toContain('packages/connector-acme-jobs already exists');
    const bad = await generate(workspace, ['Acme_Jobs', '--skip-install']);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain("'Acme_Jobs' is not a valid connector name");
  });
});
