// buildah in a private, throw-away store (vfs driver, chroot isolation: what works without a daemon or
// privileges beyond root here), so the test neither sees nor leaves images of anyone else.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BuildahStore {
  /** Environment that points buildah (and the image builder it runs under) at this store. */
  readonly env: NodeJS.ProcessEnv;
  buildah(args: readonly string[]): Promise<string>;
  /** Starts `buildah run` in its own process group so that it can be stopped as a whole. */
  spawnRun(
    container: string,
    command: readonly string[],
    env: Readonly<Record<string, string>>,
  ): ChildProcess;
  remove(): Promise<void>;
}

export async function createBuildahStore(): Promise<BuildahStore> {
  // /var/tmp: a vfs store holds full copies of every layer, more than a tmpfs /tmp may hold.
  const root = await mkdtemp('/var/tmp/flyte-image-test-');
  const conf = join(root, 'storage.conf');
  await writeFile(conf, `[storage]\ndriver = "vfs"\nrunroot = "${root}/run"\ngraphroot = "${root}/graph"\n`);
  const env = { ...process.env, CONTAINERS_STORAGE_CONF: conf, BUILDAH_ISOLATION: 'chroot' };
  const buildah = async (args: readonly string[]): Promise<string> =>
    (await run('buildah', args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  return {
    env,
    buildah,
    spawnRun(container, command, runEnv) {
      const envArgs = Object.entries(runEnv).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
      return spawn('buildah', ['run', '--isolation', 'chroot', ...envArgs, container, '--', ...command], {
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    },
    async remove() {
      await buildah(['rm', '--all']).catch(() => undefined);
      await buildah(['rmi', '--all', '--force']).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Stops a process started with `spawnRun` and everything it started. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
}
