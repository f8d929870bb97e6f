// The builder's decisions that need no image builder: which packages, which credentials, which command.
import { describe, expect, it } from 'vitest';
import { buildCommands, planProblem, type BuildPlan } from '../../src/image/builders.ts';
import { credentialLines } from '../../src/image/npm-secrets.ts';
import { selectConnectors } from '../../src/image/selection.ts';
import type { Workspace, WorkspacePackage } from '../../src/image/workspace.ts';

const pkg = (name: string, connectors: string[]): WorkspacePackage => ({
  name,
  version: '0.1.0',
  dir: `/ws/${name}`,
  dependencies: [],
  connectors,
});
const workspace: Workspace = {
  core: pkg('@org/connector-core', []),
  connectors: [pkg('@org/connector-bigquery', ['bigquery']), pkg('@org/connector-openai', ['openai'])],
};

describe('selectConnectors', () => {
  it('takes short names, package names and all', () => {
    expect(selectConnectors('bigquery, @org/connector-openai', workspace, { fromRegistry: false })).toEqual([
      { name: '@org/connector-bigquery' },
      { name: '@org/connector-openai' },
    ]);
    expect(selectConnectors('all', workspace, { fromRegistry: false }).map((r) => r.name)).toEqual([
      '@org/connector-bigquery',
      '@org/connector-openai',
    ]);
  });

  it('takes versions and third-party packages only from a registry', () => {
    expect(selectConnectors('openai@0.2.0,@acme/flyte-foo@^1', workspace, { fromRegistry: true })).toEqual([
      { name: '@org/connector-openai', version: '0.2.0' },
      { name: '@acme/flyte-foo', version: '^1' },
    ]);
    expect(() => selectConnectors('openai@0.2.0', workspace, { fromRegistry: false })).toThrow(
      /--from-registry/,
    );
    expect(() => selectConnectors('@acme/flyte-foo', workspace, { fromRegistry: false })).toThrow(
      /unknown connector "@acme\/flyte-foo"; choose from: bigquery, openai/,
    );
  });

  it('rejects an empty list, repeats and all mixed with names', () => {
    expect(() => selectConnectors(' , ', workspace, { fromRegistry: false })).toThrow(/empty/);
    expect(() =>
      selectConnectors('openai,@org/connector-openai', workspace, { fromRegistry: false }),
    ).toThrow(/twice/);
    expect(() => selectConnectors('all,openai', workspace, { fromRegistry: false })).toThrow(/all/);
  });
});

describe('credentialLines', () => {
  it('keeps registry-keyed credentials and scope routes, resolving ${ENV} on the host', () => {
    const npmrc = [
      'registry=https://registry.npmjs.org/',
      'cafile=/etc/ssl/certs/ca.crt',
      '//npm.example.com/:_authToken=${NPM_TOKEN}',
      '//npm.example.com/:certfile=/home/me/client.crt',
      '@acme:registry=https://npm.example.com/',
      'nodedir=/usr',
    ].join('\n');
    expect(credentialLines(npmrc, { NPM_TOKEN: 'secret-token' })).toEqual([
      '//npm.example.com/:_authToken=secret-token',
      '@acme:registry=https://npm.example.com/',
    ]);
  });
});

describe('buildCommands', () => {
  const plan: BuildPlan = {
    containerfile: 'images/Containerfile',
    contextDir: '/ctx',
    tags: ['reg/a:1', 'reg/a:latest'],
    platforms: [],
    buildArgs: { BASE_IMAGE: 'node:22-trixie-slim' },
    secrets: [{ id: 'npmrc', path: '/s/npmrc' }],
    push: false,
  };

  it('passes build arguments and secrets the same way to every builder', () => {
    for (const builder of ['docker', 'podman', 'buildah'] as const) {
      const [build] = buildCommands(builder, plan);
      expect(build!.args).toEqual(
        expect.arrayContaining([
          '--build-arg',
          'BASE_IMAGE=node:22-trixie-slim',
          '--secret',
          'id=npmrc,src=/s/npmrc',
        ]),
      );
      expect(build!.args.at(-1)).toBe('/ctx');
    }
    expect(buildCommands('docker', plan)[0]!.args.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(buildCommands('docker', plan)[0]!.args).toContain('--load');
  });

  it('builds several platforms into a manifest list with buildah and podman, and pushes it', () => {
    const multi = { ...plan, platforms: ['linux/amd64', 'linux/arm64'], push: true };
    const [build, push] = buildCommands('buildah', multi);
    expect(build!.args).toEqual(
      expect.arrayContaining(['--platform', 'linux/amd64,linux/arm64', '--manifest', 'reg/a:1']),
    );
    expect(push!.args).toEqual(['manifest', 'push', '--all', 'reg/a:1', 'docker://reg/a:1']);
    expect(planProblem('docker', { ...multi, push: false })).toMatch(/--push/);
    expect(planProblem('docker', multi)).toBeUndefined();
  });
});
