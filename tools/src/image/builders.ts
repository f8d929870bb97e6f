import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BuildSecret } from './npm-secrets.ts';

const run = promisify(execFile);

export const BUILDERS = ['docker', 'podman', 'buildah'] as const;
export type BuilderName = (typeof BUILDERS)[number];

/** Everything one image build needs, whatever the builder. */
export interface BuildPlan {
  readonly containerfile: string;
  readonly contextDir: string;
  /** The first tag names the multi-platform manifest list when there are several platforms. */
  readonly tags: readonly string[];
  readonly platforms: readonly string[];
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly secrets: readonly BuildSecret[];
  readonly push: boolean;
}

export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * The first builder on this machine that can build: docker only with buildx and a reachable engine (a docker
 * client alone cannot build), then podman, then buildah (daemonless).
 */
export async function detectBuilder(): Promise<BuilderName | undefined> {
  for (const builder of BUILDERS) if (await isUsable(builder)) return builder;
  return undefined;
}

export async function isUsable(builder: BuilderName): Promise<boolean> {
  const probes: Record<BuilderName, string[][]> = {
    docker: [
      ['buildx', 'version'],
      ['info', '--format', '{{.ServerVersion}}'],
    ],
    podman: [['version']],
    buildah: [['version']],
  };
  try {
    for (const args of probes[builder]) await run(builder, args, { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** The commands that build (and, with `push`, publish) the image, in order. */
export function buildCommands(builder: BuilderName, plan: BuildPlan): Command[] {
  const common = [
    '--file',
    plan.containerfile,
    ...Object.entries(plan.buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
    ...plan.secrets.flatMap((s) => ['--secret', `id=${s.id},src=${s.path}`]),
    ...(plan.platforms.length > 0 ? ['--platform', plan.platforms.join(',')] : []),
  ];
  const tagArgs = plan.tags.flatMap((tag) => ['--tag', tag]);
  if (builder === 'docker') {
    // buildx can load a single-platform image into the engine; a multi-platform one has to go to a registry.
    const output = plan.push ? ['--push'] : ['--load'];
    return [
      { command: 'docker', args: ['buildx', 'build', ...common, ...tagArgs, ...output, plan.contextDir] },
    ];
  }
  const multiPlatform = plan.platforms.length > 1;
  const [first] = plan.tags;
  if (first === undefined) throw new Error('no image tag');
  // podman and buildah collect the images of several platforms in a manifest list named by --manifest.
  const target = multiPlatform ? ['--manifest', first] : tagArgs;
  const build: Command = { command: builder, args: ['build', ...common, ...target, plan.contextDir] };
  if (!plan.push) return [build];
  const pushes: Command[] = multiPlatform
    ? [{ command: builder, args: ['manifest', 'push', '--all', first, `docker://${first}`] }]
    : plan.tags.map((tag) => ({ command: builder, args: ['push', tag, `docker://${tag}`] }));
  return [build, ...pushes];
}

/** Why a plan cannot work with a builder, checked before anything is packed or built. */
export function planProblem(
  builder: BuilderName,
  plan: Pick<BuildPlan, 'platforms' | 'push'>,
): string | undefined {
  if (builder === 'docker' && plan.platforms.length > 1 && !plan.push) {
    return 'docker loads only single-platform images into the engine: add --push for several platforms';
  }
  return undefined;
}
