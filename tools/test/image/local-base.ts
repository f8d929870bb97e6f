// A stand-in for the official Node image, made from this machine's files because no base image can be pulled
// here: FROM scratch + the Node 22 binary running this test, the shared libraries `ldd` lists for it, npm's
// JavaScript, and the few files images/Containerfile's install stage and `flyte-connect` need (/bin/sh for RUN,
// /usr/bin/env for the bin's shebang, /etc/passwd, /tmp).
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { BuildahStore } from './buildah.ts';

const run = promisify(execFile);

export async function makeLocalNodeBase(store: BuildahStore, image: string): Promise<void> {
  const rootfs = await mkdtemp(join(tmpdir(), 'flyte-image-base-'));
  try {
    const node = process.execPath;
    const shell = await realpath('/bin/sh');
    const env = await realpath('/usr/bin/env');
    await copyInto(rootfs, node, '/usr/local/bin/node');
    await copyInto(rootfs, shell, '/bin/sh');
    await copyInto(rootfs, env, '/usr/bin/env');
    for (const library of await sharedLibraries([node, shell, env])) await copyInto(rootfs, library, library);

    // npm as the official image lays it out: /usr/local/lib/node_modules/npm, linked from /usr/local/bin.
    const npmCli = await realpath((await run('sh', ['-c', 'command -v npm'])).stdout.trim());
    await cp(dirname(dirname(npmCli)), join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true });
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));

    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\n');
    await mkdir(join(rootfs, 'root'));
    await mkdir(join(rootfs, 'tmp'));
    await chmod(join(rootfs, 'tmp'), 0o1777);

    const container = await store.buildah(['from', 'scratch']);
    await store.buildah(['copy', container, `${rootfs}/`, '/']);
    await store.buildah(['config', '--env', 'PATH=/usr/local/bin:/usr/bin:/bin', '--cmd', 'node', container]);
    await store.buildah(['commit', '--quiet', '--rm', container, image]);
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

async function sharedLibraries(binaries: readonly string[]): Promise<string[]> {
  const libraries = new Set<string>();
  for (const binary of binaries) {
    const { stdout } = await run('ldd', [binary]);
    for (const match of stdout.matchAll(/(\/\S+\.so[^\s]*)/g)) libraries.add(match[1]!);
  }
  return [...libraries];
}

async function copyInto(rootfs: string, source: string, target: string): Promise<void> {
  await mkdir(join(rootfs, dirname(target)), { recursive: true });
  // Dereferences symlinks (libc.so.6 -> libc-2.36.so): the file, not the link, has to be in the image.
  await cp(await realpath(source), join(rootfs, target));
}
