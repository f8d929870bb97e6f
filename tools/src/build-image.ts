#!/usr/bin/env node
// Builds a container image of the connector service with exactly the chosen connectors: `npm run build-image -- --help`.
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildImage, DEFAULT_BASE_IMAGE } from './image/build.ts';
import { BUILDERS } from './image/builders.ts';

const program = new Command('build-image')
  .description(
    'Build an OCI image of the Flyte connector service (@org/connector-core) with exactly the chosen connectors, ' +
      'production dependencies only, from images/Containerfile. Dependencies are installed inside the build for ' +
      'the target platform. The image runs `flyte-connect serve` as a non-root user, exposing 8000 (gRPC) and ' +
      '9090 (metrics); labels list the core and connector versions.',
  )
  .requiredOption(
    '-c, --connectors <list>',
    'connectors to include: all, or comma-separated names (bigquery,openai)',
  )
  .addOption(
    new Option(
      '-t, --tag <image>',
      'image name and tag (repeatable); default flyte-connectors:<core version>',
    )
      .argParser(collect)
      .default([]),
  )
  .addOption(
    new Option(
      '--from-registry',
      'install published packages from the npm registry instead of packing the workspace; per-package versions as --connectors bigquery@0.2.0',
    ),
  )
  .addOption(new Option('--registry <url>', "npm registry to install from (default: the host's npm config)"))
  .addOption(
    new Option(
      '--version <version>',
      'version or range of core and every connector (with --from-registry; default: the workspace versions)',
    ),
  )
  .addOption(
    new Option('--core-version <version>', 'version or range of @org/connector-core (with --from-registry)'),
  )
  .addOption(
    new Option(
      '--base-image <image>',
      'base image: any image with node >= 22.12, npm and /usr/bin/env',
    ).default(DEFAULT_BASE_IMAGE),
  )
  .addOption(
    new Option(
      '--platform <list>',
      "target platforms, e.g. linux/amd64,linux/arm64 (default: the builder's own)",
    )
      .argParser(collect)
      .default([]),
  )
  .addOption(new Option('--builder <name>', 'builder to use (default: the first usable)').choices(BUILDERS))
  .addOption(
    new Option('--push', 'push the image (every tag, or the manifest list) to its registry after building'),
  )
  .addOption(new Option('--report', 'print the size of each layer added above the base image'))
  .addOption(new Option('--no-build', 'pack the workspace packages as they are, without building them first'))
  .addOption(
    new Option(
      '--context-dir <dir>',
      'prepare the build context here and keep it (default: a temporary directory)',
    ),
  )
  .addOption(
    new Option('--uid <uid>', 'numeric user id the service runs as').argParser(nonRootId).default(1000),
  )
  .addOption(
    new Option('--gid <gid>', 'numeric group id the service runs as').argParser(nonRootId).default(1000),
  )
  .addHelpText(
    'after',
    `
Examples:
  npm run build-image -- --connectors bigquery,openai --tag registry.example.com/flyte-connectors:0.1.0
  npm run build-image -- --connectors all --platform linux/amd64,linux/arm64 --tag REPO:TAG --push
  npm run build-image -- --from-registry --version 0.1.0 --connectors snowflake --tag REPO:TAG

Registry access inside the build: the host's npm registry, proxies, credentials (.npmrc lines keyed by
registry) and extra CA certificates (npm cafile, NODE_EXTRA_CA_CERTS) are passed as build secrets, never
written into the image. Builders are tried in the order docker (buildx, with a running engine), podman, buildah;
buildah honours BUILDAH_ISOLATION and CONTAINERS_STORAGE_CONF. See images/README.md.`,
  )
  .action(async (options: CliOptions) => {
    const built = await buildImage(
      {
        connectors: options.connectors,
        tags: options.tag,
        fromRegistry: options.fromRegistry === true,
        ...(options.registry === undefined ? {} : { registry: options.registry }),
        ...(options.version === undefined ? {} : { version: options.version }),
        ...(options.coreVersion === undefined ? {} : { coreVersion: options.coreVersion }),
        baseImage: options.baseImage,
        platforms: options.platform,
        ...(options.builder === undefined ? {} : { builder: options.builder }),
        push: options.push === true,
        report: options.report === true,
        buildWorkspace: options.build,
        ...(options.contextDir === undefined ? {} : { contextDir: options.contextDir }),
        uid: options.uid,
        gid: options.gid,
      },
      (line) => process.stderr.write(`${line}\n`),
    );
    const included = [built.contents.core, ...built.contents.connectors].map((p) => `${p.name}@${p.version}`);
    process.stdout.write(`Built ${built.tags.join(', ')} with ${built.builder}: ${included.join(', ')}\n`);
  });

interface CliOptions {
  connectors: string;
  tag: string[];
  fromRegistry?: boolean;
  registry?: string;
  version?: string;
  coreVersion?: string;
  baseImage: string;
  platform: string[];
  builder?: (typeof BUILDERS)[number];
  push?: boolean;
  report?: boolean;
  build: boolean;
  contextDir?: string;
  uid: number;
  gid: number;
}

/** Repeatable options also take comma-separated values. */
function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

function nonRootId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0)
    throw new InvalidArgumentError('expected a positive integer (0 is root).');
  return id;
}

program.showHelpAfterError();
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`build-image: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
