#!/usr/bin/env node
// Generates the TypeScript wire types of both Flyte protocol families from the official IDL packages on npm,
// so that no .proto file is ever copied by hand:
// - Flyte 1: @flyteorg/flyteidl ships .proto sources; buf + protoc-gen-es compile the agent service closure.
//   google/api/annotations.proto (imported for HTTP routes only) comes from google-proto-files.
// - Flyte 2: @flyteorg/flyteidl2 ships protobuf-es TypeScript with `.ts` import extensions; the closure of the
//   connector service is copied with its relative imports rewritten to `.js` so that tsc compiles it like ours.
// - gRPC health: grpc.health.v1 from the .proto that grpc-health-check ships (a dev dependency only: the service
//   implements health itself on protobuf-es, without that package's protobufjs runtime).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const genRoot = join(packageRoot, 'src', 'gen');
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));

function generateFlyte1() {
  bufGenerate(
    (protoRoot) => {
      cpSync(join(packageDir('@flyteorg/flyteidl'), 'protos', 'flyteidl'), join(protoRoot, 'flyteidl'), {
        recursive: true,
      });
      cpSync(join(packageDir('google-proto-files'), 'google', 'api'), join(protoRoot, 'google', 'api'), {
        recursive: true,
      });
    },
    join(genRoot, 'v1'),
    join('flyteidl', 'service', 'agent.proto'),
  );
}

function generateHealth() {
  bufGenerate(
    (protoRoot) => {
      mkdirSync(join(protoRoot, 'grpc', 'health', 'v1'), { recursive: true });
      cpSync(
        join(packageDir('grpc-health-check'), 'proto', 'health', 'v1', 'health.proto'),
        join(protoRoot, 'grpc', 'health', 'v1', 'health.proto'),
      );
    },
    join(genRoot, 'health'),
    join('grpc', 'health', 'v1', 'health.proto'),
  );
}

/** Compiles `path` (and its imports) from a temporary proto tree that `fill` writes, into `out`. */
function bufGenerate(fill, out, path) {
  const protoRoot = mkdtempSync(join(tmpdir(), 'flyte-connect-protos-'));
  try {
    fill(protoRoot);
    writeFileSync(join(protoRoot, 'buf.yaml'), 'version: v2\n');
    const template = {
      version: 'v2',
      plugins: [
        {
          local: resolveBin('protoc-gen-es'),
          out,
          opt: ['target=ts', 'import_extension=js'],
          include_imports: true,
        },
      ],
    };
    execFileSync(
      resolveBin('buf'),
      ['generate', protoRoot, '--template', JSON.stringify(template), '--path', join(protoRoot, path)],
      { stdio: 'inherit' },
    );
  } finally {
    rmSync(protoRoot, { recursive: true, force: true });
  }
}

function resolveBin(name) {
  // npm workspaces hoist binaries to the root; look in the package first, then upwards.
  let dir = packageRoot;
  for (;;) {
    const candidate = join(dir, 'node_modules', '.bin', name);
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`codegen: cannot find the '${name}' binary; run npm ci first`);
      dir = parent;
    }
  }
}

function copyFlyte2() {
  const sourceRoot = packageDir('@flyteorg/flyteidl2');
  const outRoot = join(genRoot, 'v2');
  const pending = ['flyteidl2/connector/service_pb.ts'];
  const seen = new Set();
  const importPattern = /from "(\.{1,2}\/[^"]+)\.ts"/g;
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(sourceRoot, file), 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const target = relative(sourceRoot, resolve(dirname(join(sourceRoot, file)), `${match[1]}.ts`));
      pending.push(target);
    }
    const rewritten = text.replace(importPattern, 'from "$1.js"');
    mkdirSync(dirname(join(outRoot, file)), { recursive: true });
    writeFileSync(join(outRoot, file), rewritten);
  }
  return seen.size;
}

rmSync(genRoot, { recursive: true, force: true });
generateFlyte1();
generateHealth();
const copied = copyFlyte2();
console.log(
  `codegen: Flyte 1 types generated from @flyteorg/flyteidl, ${copied} Flyte 2 files from @flyteorg/flyteidl2, ` +
    'gRPC health from grpc-health-check',
);
