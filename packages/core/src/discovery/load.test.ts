import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnector, isSyncConnector } from '../connector.js';
import type { LogFn, Logger } from '../logger.js';
import { loadConnectors } from './load.js';
import { discoverConnectorPackages } from './package-scan.js';

/*
 * The fixture modules are plain JS outside this package, so they cannot import core's TypeScript sources. They
 * carry core's brands themselves (`Symbol.for`), as a connector compiled against another copy of core would.
 */
const brands = `
const connectorBrand = Symbol.for('@org/connector-core/Connector');
const pluginBrand = Symbol.for('@org/connector-core/ConnectorPlugin');
`;

function asyncConnectorModule(className: string, name: string, categories: unknown): string {
  return `${brands}
export class ${className} {
  [connectorBrand] = 'async';
  name = ${JSON.stringify(name)};
  taskCategory = ${JSON.stringify(categories)};
  spec = { description: ${JSON.stringify(name)}, params: {} };
  metaCodec = { toJson: (meta) => meta, fromJson: (value) => value };
  idempotentCreate = false;
  constructor(region) { this.region = region; }
  async create() { return { id: 'job' }; }
  async get() { return { phase: 'SUCCEEDED' }; }
  async delete() {}
}
`;
}

let root: string;
let nm: string;

async function write(path: string, content: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

function recordingLogger(): { logger: Logger; warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  const ignore: LogFn = () => undefined;
  const logger: Logger = {
    trace: ignore,
    debug: ignore,
    info: ignore,
    warn: (...args: unknown[]) => {
      warnings.push(args);
    },
    error: ignore,
    child: () => logger,
  };
  return { logger, warnings };
}

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'flyte-load-')));
  nm = join(root, 'node_modules');

  const jobs = join(nm, '@acme', 'connector-jobs');
  await write(join(jobs, 'package.json'), {
    name: '@acme/connector-jobs',
    version: '1.2.3',
    type: 'module',
    'flyte.connectors': { jobs: './dist/plugin.js' },
  });
  await write(
    join(jobs, 'dist', 'plugin.js'),
    `${asyncConnectorModule('JobsConnector', 'Acme Jobs', ['acme_job', { name: 'acme_job', version: 2 }])}
export default { [pluginBrand]: true, connectors: ({ env }) => [new JobsConnector(env.ACME_REGION)] };
`,
  );

  await write(join(nm, 'malformed', 'package.json'), {
    name: 'malformed',
    version: '0.1.0',
    'flyte.connectors': './plugin.js',
  });

  const throwing = join(nm, 'connector-throws');
  await write(join(throwing, 'package.json'), {
    name: 'connector-throws',
    version: '2.0.0',
    'flyte.connectors': { main: './plugin.mjs', other: './other.mjs' },
  });
  await write(join(throwing, 'plugin.mjs'), `throw new Error('ACME_TOKEN is not set');\n`);
  await write(join(throwing, 'other.mjs'), `export const helper = 1;\n`);

  await write(join(nm, 'connector-unbuilt', 'package.json'), {
    name: 'connector-unbuilt',
    version: '0.0.1',
    'flyte.connectors': { main: './dist/plugin.js' },
  });

  await write(join(nm, 'unrelated', 'package.json'), {
    name: 'unrelated',
    version: '1.0.0',
    main: './index.js',
  });
  await write(join(nm, 'unrelated', 'index.js'), `throw new Error('must never be imported');\n`);

  // A workspace package linked into node_modules, exporting an array of connectors (sync and async).
  const linked = join(root, 'packages', 'connector-linked');
  await write(join(linked, 'package.json'), {
    name: '@acme/connector-linked',
    version: '0.0.1',
    'flyte.connectors': { main: './plugin.mjs' },
  });
  await write(
    join(linked, 'plugin.mjs'),
    `${brands}
class Api {
  [connectorBrand] = 'sync';
  name = 'Acme API';
  taskCategory = 'acme_api';
  spec = { description: 'api', params: {} };
  async do() { return { phase: 'SUCCEEDED' }; }
}
export const connectors = [new Api()];
`,
  );
  await symlink(linked, join(nm, '@acme', 'connector-linked'), 'dir');

  // An ESM-only package (its `require` condition points at a file that does not exist) used through --modules.
  const esm = join(nm, 'acme-esm');
  await write(join(esm, 'package.json'), {
    name: 'acme-esm',
    version: '3.0.0',
    type: 'module',
    exports: { '.': { require: './missing.cjs', import: './index.js' } },
  });
  await write(
    join(esm, 'index.js'),
    `${asyncConnectorModule('EsmConnector', 'Acme ESM', 'acme_esm')}
export default new EsmConnector('esm');
`,
  );

  await write(
    join(root, 'my-connector.mjs'),
    `${asyncConnectorModule('Mine', 'Mine', { name: 'mine', version: 1 })}
export const plugin = { [pluginBrand]: true, connectors: () => [new Mine('local')] };
`,
  );
  await write(join(root, 'broken-exports.mjs'), `export default { not: 'a connector' };\n`);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadConnectors', () => {
  it('loads discovered packages and --modules, skipping broken packages with a warning', async () => {
    const { logger, warnings } = recordingLogger();

    const result = await loadConnectors({
      packages: await discoverConnectorPackages({ searchPaths: [nm] }),
      modules: ['./my-connector.mjs', 'acme-esm'],
      cwd: root,
      logger,
      env: { ACME_REGION: 'eu-west-1' },
    });

    expect(
      result.loaded.map(({ connector, source }) => ({
        source,
        name: connector.name,
        sync: isSyncConnector(connector),
        region: (connector as unknown as { region?: string }).region,
      })),
    ).toEqual([
      {
        source: 'package @acme/connector-jobs@1.2.3 (entry jobs)',
        name: 'Acme Jobs',
        sync: false,
        region: 'eu-west-1',
      },
      {
        source: 'package @acme/connector-linked@0.0.1 (entry main)',
        name: 'Acme API',
        sync: true,
        region: undefined,
      },
      { source: 'module ./my-connector.mjs', name: 'Mine', sync: false, region: 'local' },
      { source: 'module acme-esm', name: 'Acme ESM', sync: false, region: 'esm' },
    ]);
    expect(result.loaded.every(({ connector }) => isConnector(connector))).toBe(true);

    expect(result.problems).toEqual([
      {
        source: `package malformed at ${join(nm, 'malformed')}`,
        reason:
          '"flyte.connectors" must be an object mapping entry names to module paths (e.g. { "main": "./dist/plugin.js" }), got the string "./plugin.js"',
      },
      { source: 'package connector-throws@2.0.0 (entry main)', reason: 'ACME_TOKEN is not set' },
      {
        source: 'package connector-throws@2.0.0 (entry other)',
        reason: "the module has no default, 'plugin' or 'connectors' export (exports: helper)",
      },
      {
        source: 'package connector-unbuilt@0.0.1 (entry main)',
        reason: `module ${join(nm, 'connector-unbuilt', 'dist', 'plugin.js')} does not exist (is it built?)`,
      },
    ]);
    expect(warnings).toEqual(
      result.problems.map((problem) => [
        { source: problem.source, reason: problem.reason },
        `Skipping ${problem.source}: ${problem.reason}`,
      ]),
    );
  });

  it('fails on a broken --modules entry, naming it and the reason', async () => {
    const load = (modules: string[]) =>
      loadConnectors({ packages: [], modules, cwd: root, logger: recordingLogger().logger, env: {} });

    await expect(load(['./missing.mjs'])).rejects.toThrow(
      `Cannot load --modules ./missing.mjs: module ${join(root, 'missing.mjs')} does not exist (is it built?)`,
    );
    await expect(load(['./broken-exports.mjs'])).rejects.toThrow(
      "Cannot load --modules ./broken-exports.mjs: export 'default' is neither a connector plugin",
    );
    await expect(load(['acme-missing'])).rejects.toThrow(
      `Cannot load --modules acme-missing: cannot find package 'acme-missing' in the node_modules directories of ${root}`,
    );
  });
});
