// `build-image --from-registry`: the build context it prepares from packages published to a registry (a local
// Verdaccio on loopback with the workspace's packages), without running an image builder.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBuildContext } from '../../src/image/build-context.ts';
import { readWorkspace, WORKSPACE_ROOT, type Workspace } from '../../src/image/workspace.ts';
import { startLocalRegistry, type LocalRegistry } from '../../src/registry/local-registry.ts';
import { publishWorkspacePackages } from '../../src/registry/publish.ts';

let registry: LocalRegistry;
let workspace: Workspace;
const dirs: string[] = [];

beforeAll(async () => {
  workspace = await readWorkspace();
  registry = await startLocalRegistry();
  await publishWorkspacePackages(registry);
});

afterAll(async () => {
  await registry?.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function contextDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flyte-image-context-test-'));
  dirs.push(dir);
  return dir;
}

describe('prepareBuildContext from a registry', () => {
  it('locks core and the chosen connector as registry packages at the requested version', async () => {
    const dir = await contextDir();
    const openai = workspace.connectors.find((p) => p.name === '@org/connector-openai')!;
    const contents = await prepareBuildContext({
      dir,
      workspace,
      connectors: [{ name: openai.name, version: openai.version }],
      source: { kind: 'registry', registry: registry.url },
    });
    expect(contents).toEqual({
      core: { name: workspace.core.name, version: workspace.core.version },
      connectors: [{ name: openai.name, version: openai.version }],
    });

    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies).toEqual({
      [workspace.core.name]: workspace.core.version,
      [openai.name]: openai.version,
    });
    expect(await readdir(join(dir, 'tarballs'))).toEqual([]);

    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; integrity?: string; link?: boolean }>;
    };
    // Fetched from the registry (with an integrity hash), not a link into the workspace.
    for (const name of [workspace.core.name, openai.name]) {
      expect(lock.packages[`node_modules/${name}`]).toMatchObject({
        version: '0.1.0',
        integrity: expect.any(String),
      });
      expect(lock.packages[`node_modules/${name}`]?.link).toBeUndefined();
    }
    // Third-party dependencies keep the versions the workspace pins.
    const workspaceLock = JSON.parse(
      await readFile(join(WORKSPACE_ROOT, 'package-lock.json'), 'utf8'),
    ) as typeof lock;
    expect(lock.packages['node_modules/openai']?.version).toBe(
      workspaceLock.packages['node_modules/openai']?.version,
    );
    expect(Object.keys(lock.packages).some((path) => path.includes('snowflake-sdk'))).toBe(false);
  });

  it('fails naming the package when the registry lacks the requested version', async () => {
    await expect(
      prepareBuildContext({
        dir: await contextDir(),
        workspace,
        connectors: [{ name: '@org/connector-openai', version: '99.0.0' }],
        source: { kind: 'registry', registry: registry.url },
      }),
    ).rejects.toThrow(/@org\/connector-openai/);
  });
});
