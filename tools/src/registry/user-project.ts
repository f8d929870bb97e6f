// A fresh directory outside the workspace, set up the way a user of a private registry sets up a project.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNpx } from './commands.ts';
import type { LocalRegistry } from './local-registry.ts';

/** A temporary directory with an .npmrc pointing at the registry; `remove()` deletes it. */
export async function createUserProject(
  registry: LocalRegistry,
  prefix: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  // Under the OS temp directory, never inside the workspace: discovery must not see the workspace's node_modules.
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  await writeFile(join(dir, '.npmrc'), registry.projectNpmrc);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface ListedConnector {
  readonly name: string;
  readonly taskCategories: readonly { readonly name: string; readonly version: number }[];
  readonly sources: readonly string[];
}

/** `npx flyte-connect list --json` in the project. */
export async function listConnectors(
  dir: string,
  args: readonly string[] = [],
): Promise<{ connectors: ListedConnector[]; problems: unknown[] }> {
  const { stdout } = await runNpx(['flyte-connect', 'list', '--json', ...args], { cwd: dir });
  return JSON.parse(stdout) as { connectors: ListedConnector[]; problems: unknown[] };
}
