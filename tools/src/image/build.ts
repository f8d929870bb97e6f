import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { prepareBuildContext, type ImageContents } from './build-context.ts';
import {
  buildCommands,
  detectBuilder,
  isUsable,
  planProblem,
  type BuilderName,
  type Command,
} from './builders.ts';
import { formatLayerReport, layerReport, type LayerReport } from './layer-report.ts';
import { writeNpmSecrets } from './npm-secrets.ts';
import { selectConnectors } from './selection.ts';
import { readWorkspace, WORKSPACE_ROOT } from './workspace.ts';

const run = promisify(execFile);

export const CONTAINERFILE = join(WORKSPACE_ROOT, 'images', 'Containerfile');
/** Node 22 is the runtime the workspace's tests run on (tools/use-node22.sh); see images/README.md. */
export const DEFAULT_BASE_IMAGE = 'node:22-trixie-slim';

export interface BuildImageOptions {
  /** `all`, or comma-separated connector names / package names (with `@version` from a registry). */
  readonly connectors: string;
  readonly tags: readonly string[];
  readonly fromRegistry: boolean;
  readonly registry?: string;
  readonly version?: string;
  readonly coreVersion?: string;
  readonly baseImage: string;
  readonly platforms: readonly string[];
  readonly builder?: BuilderName;
  readonly push: boolean;
  readonly report: boolean;
  /** Build the workspace packages (nx, cached) before packing them. */
  readonly buildWorkspace: boolean;
  /** Keep the prepared build context here instead of a temporary directory. */
  readonly contextDir?: string;
  readonly uid: number;
  readonly gid: number;
}

export interface BuiltImage {
  readonly builder: BuilderName;
  readonly tags: readonly string[];
  readonly contents: ImageContents;
  readonly report?: LayerReport;
}

/** Builds the image; progress and the builder's own output go to `log` and stderr. */
export async function buildImage(
  options: BuildImageOptions,
  log: (line: string) => void,
): Promise<BuiltImage> {
  const workspace = await readWorkspace();
  const connectors = selectConnectors(options.connectors, workspace, { fromRegistry: options.fromRegistry });
  const builder = await chooseBuilder(options.builder, log);
  const problem = planProblem(builder, options);
  if (problem !== undefined) throw new Error(problem);

  if (!options.fromRegistry && options.buildWorkspace) {
    const projects = [workspace.core.name, ...connectors.map((c) => c.name)].join(',');
    await runInherited(
      { command: 'npx', args: ['nx', 'run-many', '-t', 'build', `--projects=${projects}`] },
      log,
    );
  }

  // Secrets live outside the context directory: everything in the context is sent to the builder.
  const secretsDir = await mkdtemp(join(tmpdir(), 'flyte-image-secrets-'));
  const contextDir = options.contextDir ?? (await mkdtemp(join(tmpdir(), 'flyte-image-context-')));
  try {
    const { secrets, registry } = await writeNpmSecrets({
      dir: secretsDir,
      cwd: WORKSPACE_ROOT,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
    });
    log(
      options.fromRegistry
        ? `Installing ${connectors.map((c) => c.name).join(', ')} from ${registry}`
        : `Packing ${workspace.core.name} and ${connectors.map((c) => c.name).join(', ')} from the workspace`,
    );
    const contents = await prepareBuildContext({
      dir: contextDir,
      workspace,
      connectors,
      source: options.fromRegistry
        ? {
            kind: 'registry',
            registry,
            ...(options.version === undefined ? {} : { version: options.version }),
            ...(options.coreVersion === undefined ? {} : { coreVersion: options.coreVersion }),
          }
        : { kind: 'workspace' },
    });
    const tags = options.tags.length > 0 ? options.tags : [`flyte-connectors:${contents.core.version}`];
    const buildArgs = {
      BASE_IMAGE: options.baseImage,
      APP_UID: String(options.uid),
      APP_GID: String(options.gid),
      IMAGE_VERSION: contents.core.version,
      IMAGE_REVISION: await gitRevision(),
      IMAGE_CREATED: createdTimestamp(),
      CONNECTORS: contents.connectors.map((c) => `${c.name}@${c.version}`).join(','),
    };
    const plan = {
      containerfile: CONTAINERFILE,
      contextDir,
      tags,
      platforms: options.platforms,
      buildArgs,
      secrets,
      push: options.push,
    };
    for (const command of buildCommands(builder, plan)) await runInherited(command, log);

    let report: LayerReport | undefined;
    if (options.report) {
      if (builder === 'docker' && options.push)
        log('No layer report: the image went to the registry, not the engine.');
      else if (options.platforms.length > 1) log('No layer report for a multi-platform manifest list.');
      else {
        report = await layerReport(builder, tags[0]!, options.baseImage);
        log(formatLayerReport(report));
      }
    }
    return { builder, tags, contents, ...(report === undefined ? {} : { report }) };
  } finally {
    await rm(secretsDir, { recursive: true, force: true });
    if (options.contextDir === undefined) await rm(contextDir, { recursive: true, force: true });
  }
}

async function chooseBuilder(
  forced: BuilderName | undefined,
  log: (line: string) => void,
): Promise<BuilderName> {
  if (forced !== undefined) {
    if (!(await isUsable(forced)))
      throw new Error(`--builder ${forced}: it is not installed or cannot build here`);
    log(`Builder: ${forced} (chosen with --builder)`);
    return forced;
  }
  const found = await detectBuilder();
  if (found === undefined) {
    throw new Error(
      'no image builder found: install docker (with buildx and a running engine), podman or buildah',
    );
  }
  log(`Builder: ${found} (the first usable of docker, podman, buildah; --builder chooses)`);
  return found;
}

function runInherited(command: Command, log: (line: string) => void): Promise<void> {
  log(`$ ${[command.command, ...command.args].join(' ')}`);
  return new Promise((resolve, reject) => {
    // The builder's progress goes to stderr so that stdout stays the summary.
    const child = spawn(command.command, command.args, { cwd: WORKSPACE_ROOT, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command.command} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

async function gitRevision(): Promise<string> {
  try {
    return (await run('git', ['rev-parse', 'HEAD'], { cwd: WORKSPACE_ROOT })).stdout.trim();
  } catch {
    return 'unknown';
  }
}

/** SOURCE_DATE_EPOCH, when set, makes the label reproducible (the reproducible-builds convention). */
function createdTimestamp(): string {
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  return (epoch === undefined ? new Date() : new Date(Number(epoch) * 1000)).toISOString();
}
