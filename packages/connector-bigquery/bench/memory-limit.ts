// Runs a command inside a memory cgroup, as a Kubernetes pod with a memory limit runs: Node sizes V8's heap from
// the cgroup's limit (a 512 MiB limit gives a ~260 MB heap limit instead of ~4 GB on this 24 GiB machine), which
// decides how far the old generation grows between collections, and so the RSS. Linux and root only.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The argv that runs `argv` in a fresh cgroup limited to `limitMib` (cgroup v2, else v1's memory controller). */
export function inMemoryCgroup(limitMib: number, name: string, argv: readonly string[]): string[] {
  const bytes = String(limitMib * 1024 * 1024);
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const dir = v2 ? join('/sys/fs/cgroup', name) : join('/sys/fs/cgroup/memory', name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), bytes);
  } catch (error) {
    throw new Error(
      `Cannot set up a memory cgroup at ${dir} (Linux with a writable cgroup file system, as root, is needed): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  // The shell joins the cgroup, then becomes the command, so the limit applies from the process's first instruction.
  return ['sh', '-c', `echo $$ > ${join(dir, 'cgroup.procs')} && exec "$@"`, 'sh', ...argv];
}
