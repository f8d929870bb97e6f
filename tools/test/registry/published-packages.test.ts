// The packages as published: a local Verdaccio on 127.0.0.1 (temporary storage) holds what this workspace
// publishes; third-party dependencies are proxied to the machine's registry. Fresh projects outside the workspace
// then do exactly what users do:
// - a user installs core and connectors (`npm install`, `npx flyte-connect list`), then adds another connector;
// - an author outside the monorepo writes a connector in plain JavaScript against the published core, declares it
//   under "flyte.connectors", and serves it (a) through package discovery, installed into a service project, and
//   (b) through `flyte-connect serve --modules`, probed with `flyte-connect list` and a Flyte 1 gRPC client that
//   shares no code with the server.
// One registry serves both, so the author's installs find core's dependencies already cached. Needs built packages.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNpm, runNpx } from '../../src/registry/commands.ts';
import { startLocalRegistry, type LocalRegistry } from '../../src/registry/local-registry.ts';
import { publishWorkspacePackages, type PublishedPackage } from '../../src/registry/publish.ts';
import { serveProject, type ServedProject } from '../../src/registry/served-project.ts';
import { createUserProject, listConnectors } from '../../src/registry/user-project.ts';
import {
  ECHO_CONNECTOR_NAME,
  ECHO_PACKAGE_NAME,
  ECHO_TASK_TYPE,
  echoCreateRequest,
  echoPackageJson,
  echoPluginSource,
} from './support/echo-connector.ts';
import { Flyte1Client } from './support/flyte1-client.ts';

type Project = Awaited<ReturnType<typeof createUserProject>>;

let registry: LocalRegistry | undefined;
let published: PublishedPackage[];
const projects: Project[] = [];
const running: ServedProject[] = [];

beforeAll(async () => {
  registry = await startLocalRegistry();
  published = await publishWorkspacePackages(registry);
});

afterAll(async () => {
  await Promise.all(running.map((served) => served.stop()));
  await Promise.all(projects.map((project) => project.remove()));
  await registry?.stop();
});

async function newProject(prefix: string): Promise<string> {
  const project = await createUserProject(registry!, prefix);
  projects.push(project);
  return project.dir;
}

function versionOf(name: string): string {
  const pkg = published.find((p) => p.name === name);
  if (pkg === undefined) throw new Error(`${name} was not published`);
  return pkg.version;
}

// npm installs through a proxying registry take a minute or more on a loaded CI machine.
const INSTALL_TIMEOUT = { timeout: 360_000 };

describe('installing connectors from a registry', INSTALL_TIMEOUT, () => {
  let dir: string;

  it('npm install @org/connector-core @org/connector-bigquery, then npx flyte-connect list shows BigQuery', async () => {
    dir = await newProject('flyte-user');
    await runNpm(['install', '@org/connector-core', '@org/connector-bigquery'], { cwd: dir });

    const { stdout } = await runNpx(['flyte-connect', 'list'], { cwd: dir });
    expect(stdout).toContain('BigQuery Connector  [async]  bigquery_query_job_task (v0)');
    expect(stdout).not.toContain('skipped');

    const { connectors, problems } = await listConnectors(dir);
    expect(problems).toEqual([]);
    expect(
      connectors.map(({ name, taskCategories, sources }) => ({ name, taskCategories, sources })),
    ).toEqual([
      {
        name: 'BigQuery Connector',
        taskCategories: [{ name: 'bigquery_query_job_task', version: 0 }],
        sources: [`package @org/connector-bigquery@${versionOf('@org/connector-bigquery')} (entry bigquery)`],
      },
    ]);
  });

  it('a second install adding @org/connector-openai lists both, on one shared core', async () => {
    await runNpm(['install', '@org/connector-openai'], { cwd: dir });

    const { connectors, problems } = await listConnectors(dir);
    expect(problems).toEqual([]);
    expect(connectors.map((c) => c.name).sort()).toEqual([
      'BigQuery Connector',
      'ChatGPT Connector',
      'OpenAI Batch Connector',
    ]);
    const openaiSource = `package @org/connector-openai@${versionOf('@org/connector-openai')} (entry openai)`;
    expect(connectors.find((c) => c.name === 'ChatGPT Connector')?.sources).toEqual([openaiSource]);

    // Connectors take core as a peer: the installation holds exactly one core, the one the user installed.
    const { stdout } = await runNpm(['query', '#@org/connector-core'], { cwd: dir });
    const cores = JSON.parse(stdout) as { location: string; version: string }[];
    expect(cores.map(({ location, version }) => ({ location, version }))).toEqual([
      { location: 'node_modules/@org/connector-core', version: versionOf('@org/connector-core') },
    ]);
  });
});

async function serve(dir: string, args: readonly string[] = []): Promise<ServedProject> {
  const served = await serveProject(dir, args);
  running.push(served);
  return served;
}

/** What propeller does with the connector: ListAgents, then CreateTask and GetTask for one task. */
async function expectServesEcho(grpcPort: number): Promise<void> {
  const client = new Flyte1Client(grpcPort);
  try {
    const { agents } = await client.listAgents();
    expect(agents).toEqual([
      expect.objectContaining({
        name: ECHO_CONNECTOR_NAME,
        is_sync: false,
        supported_task_categories: [{ name: ECHO_TASK_TYPE, version: 0 }],
      }),
    ]);

    const created = await client.createTask(echoCreateRequest('world', 'Hi'));
    const { resource } = await client.getTask({
      task_type: ECHO_TASK_TYPE,
      task_category: { name: ECHO_TASK_TYPE, version: 0 },
      resource_meta: created['resource_meta'],
      output_prefix: 's3://acme-bucket/outputs',
    });
    expect(resource.phase).toBe('SUCCEEDED');
    expect(resource.outputs.literals.greeting.scalar.primitive.string_value).toBe('Hi, world!');
  } finally {
    client.close();
  }
}

describe('a connector written outside the monorepo', INSTALL_TIMEOUT, () => {
  let authorDir: string;

  beforeAll(async () => {
    authorDir = await newProject('acme-connector');
    await writeFile(join(authorDir, 'package.json'), `${JSON.stringify(echoPackageJson, null, 2)}\n`);
    await writeFile(join(authorDir, 'plugin.js'), echoPluginSource);
    // What the core README tells authors: core is a peer, so the host's one core serves every connector.
    await runNpm(['install', '--save-peer', '@org/connector-core'], { cwd: authorDir });
  });

  it('depends on nothing but the published core, as a peer', async () => {
    const manifest = JSON.parse(await readFile(join(authorDir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest['peerDependencies']).toEqual({ '@org/connector-core': expect.stringMatching(/^\^\d/) });
    expect(manifest['dependencies']).toBeUndefined();
  });

  it('(b) is served through --modules from its own project', async () => {
    const { connectors, problems } = await listConnectors(authorDir, ['--modules', './plugin.js']);
    expect(problems).toEqual([]);
    expect(connectors.map(({ name, taskCategories }) => ({ name, taskCategories }))).toEqual([
      { name: ECHO_CONNECTOR_NAME, taskCategories: [{ name: ECHO_TASK_TYPE, version: 0 }] },
    ]);

    const served = await serve(authorDir, ['--modules', './plugin.js']);
    await expectServesEcho(served.grpcPort);
    await served.stop();
  });

  it('(a) is discovered once installed into a service project next to core', async () => {
    const { stdout } = await runNpm(['pack', '--json'], { cwd: authorDir });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    const dir = await newProject('acme-service');
    await runNpm(['install', '@org/connector-core', join(authorDir, filename)], { cwd: dir });

    const { connectors, problems } = await listConnectors(dir);
    expect(problems).toEqual([]);
    expect(connectors.map(({ name, sources }) => ({ name, sources }))).toEqual([
      { name: ECHO_CONNECTOR_NAME, sources: [`package ${ECHO_PACKAGE_NAME}@1.0.0 (entry echo)`] },
    ]);

    const served = await serve(dir);
    await expectServesEcho(served.grpcPort);
    await served.stop();
  });
});
