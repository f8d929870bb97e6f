// Builds an image with one connector through the real command (`npm run build-image`), on a locally made Node
// base, then runs it with buildah and talks to it over loopback like Kubernetes and Flyte would.
import { execFile, type ChildProcess } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWorkspace, WORKSPACE_ROOT, type Workspace } from '../../src/image/workspace.ts';
import { createBuildahStore, stopProcessGroup, type BuildahStore } from './buildah.ts';
import { healthStatus, listConnectors } from './grpc-probe.ts';
import { makeLocalNodeBase } from './local-base.ts';

const run = promisify(execFile);

const BASE = 'localhost/flyte-image-test-base:node22';
const IMAGE = 'localhost/flyte-image-test:openai';
const CHOSEN = '@org/connector-openai';

let store: BuildahStore;
let workspace: Workspace;
let builderLog: string;
let builderSummary: string;
let container: string;
let rootfs: string;

interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  ExposedPorts?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
}
let config: ImageConfig;

beforeAll(async () => {
  workspace = await readWorkspace();
  store = await createBuildahStore();
  await makeLocalNodeBase(store, BASE);
  const built = await buildImage(['--connectors', 'openai', '--tag', IMAGE]);
  builderLog = built.stderr;
  builderSummary = built.stdout;
  config = (
    JSON.parse(await store.buildah(['inspect', '--type', 'image', IMAGE])) as {
      OCIv1: { config: ImageConfig };
    }
  ).OCIv1.config;
  container = await store.buildah(['from', IMAGE]);
  rootfs = await store.buildah(['mount', container]);
});

afterAll(async () => {
  await store?.remove();
});

describe('build-image', () => {
  it('says which builder it used and what went in', () => {
    expect(builderLog).toContain('Builder: buildah');
    const core = workspace.core;
    const openai = workspace.connectors.find((p) => p.name === CHOSEN)!;
    expect(builderSummary).toContain(`${core.name}@${core.version}, ${openai.name}@${openai.version}`);
  });

  it('reports the size of each layer above the base image', () => {
    expect(builderLog).toMatch(/Layers added above the base image/);
    const total = /([\d.]+) MB {2}total added \((\d+) layers?\)/.exec(builderLog);
    expect(total).not.toBeNull();
    expect(Number(total![2])).toBeGreaterThan(0);
    expect(Number(total![1])).toBeGreaterThan(1);
  });

  it('labels the image with the OCI annotations and the connectors it carries', () => {
    const openai = workspace.connectors.find((p) => p.name === CHOSEN)!;
    expect(config.Labels).toMatchObject({
      'flyte.connectors': `${openai.name}@${openai.version}`,
      'org.opencontainers.image.version': workspace.core.version,
      'org.opencontainers.image.base.name': BASE,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(config.Labels?.['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$|^unknown$/);
    expect(Date.parse(config.Labels?.['org.opencontainers.image.created'] ?? '')).not.toBeNaN();
  });

  it('runs flyte-connect serve as a non-root user with the gRPC and metrics ports exposed', async () => {
    expect(config.Entrypoint).toEqual(['flyte-connect', 'serve']);
    expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual(['8000/tcp', '9090/tcp']);
    expect(config.User).toBe('1000:1000');
    const uid = await store.buildah(['run', container, '--', 'node', '-p', 'process.getuid()']);
    expect(Number(uid)).not.toBe(0);
  });

  it('holds core and the chosen connector only, without the other connectors or their dependencies', async () => {
    const modules = join(rootfs, 'app/node_modules');
    expect((await readdir(join(modules, '@org'))).sort()).toEqual(['connector-core', 'connector-openai']);
    const openai = workspace.connectors.find((p) => p.name === CHOSEN)!;
    const needed = new Set([...workspace.core.dependencies, ...openai.dependencies]);
    const othersOnly = workspace.connectors
      .filter((p) => p.name !== CHOSEN)
      .flatMap((p) => p.dependencies)
      .filter((name) => !needed.has(name));
    expect(othersOnly.length).toBeGreaterThan(0);
    for (const name of othersOnly) expect(await exists(join(modules, name)), name).toBe(false);
    for (const name of openai.dependencies) expect(await exists(join(modules, name)), name).toBe(true);
  });

  it('leaves out dev dependencies, the packed tarballs and the registry settings', async () => {
    const manifest = JSON.parse(
      await readFile(join(workspace.connectors.find((p) => p.name === CHOSEN)!.dir, 'package.json'), 'utf8'),
    ) as {
      devDependencies?: Record<string, string>;
    };
    const devOnly = Object.keys(manifest.devDependencies ?? {}).filter((name) => !name.startsWith('@org/'));
    for (const name of devOnly)
      expect(await exists(join(rootfs, 'app/node_modules', name)), name).toBe(false);
    expect(await exists(join(rootfs, 'app/tarballs'))).toBe(false);
    expect(await exists(join(rootfs, 'run/secrets/npmrc'))).toBe(false);
    expect(await exists(join(rootfs, 'root/.npm'))).toBe(false);
  });

  it('serves gRPC health and lists only the chosen connector over loopback', async () => {
    const [grpcPort, metricsPort] = await freePorts(2);
    // The image's own entrypoint, with the ports moved off 8000/9090 (the host network is shared here).
    const server = store.spawnRun(
      container,
      [...config.Entrypoint!, '--host', '127.0.0.1', '--port', String(grpcPort), '--timeout', '120'],
      { FLYTE_CONNECTOR_PROMETHEUS_PORT: String(metricsPort) },
    );
    const output = collect(server);
    try {
      await waitFor(async () => (await healthStatus(grpcPort!)) === 'SERVING', server, output);
      const connectors = await listConnectors(grpcPort!);
      const categories = connectors.flatMap((c) => c.supported_task_categories.map((t) => t.name)).sort();
      expect(categories).toEqual(['chatgpt', 'openai-batch']);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      expect(metrics.status).toBe(200);
    } finally {
      await stopProcessGroup(server);
    }
  });
});

// The size budget of the issue: all first-party connectors within 250 MB above the base image.
describe('build-image --connectors all', () => {
  it('adds at most 250 MB above the base image', async () => {
    const { stderr } = await buildImage(['--connectors', 'all', '--tag', `${IMAGE}-all`]);
    const total = /([\d.]+) MB {2}total added/.exec(stderr);
    expect(total, stderr).not.toBeNull();
    expect(Number(total![1])).toBeLessThanOrEqual(250);
  }, 900_000);
});

/** The real command, as `npm run build-image` runs it, against the local base and the private store. */
function buildImage(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const command = [
    join(WORKSPACE_ROOT, 'tools/src/build-image.ts'),
    ...args,
    '--base-image',
    BASE,
    '--report',
  ];
  // --no-build: the workspace packages are built before the tests run.
  return run(process.execPath, [...command, '--no-build'], { env: store.env, maxBuffer: 64 * 1024 * 1024 });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(server)),
      );
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function collect(child: ChildProcess): { text: string } {
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  return output;
}

async function waitFor(
  check: () => Promise<boolean>,
  child: ChildProcess,
  output: { text: string },
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output.text}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`the server did not become healthy in 60 s:\n${output.text}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
