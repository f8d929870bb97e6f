import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ServerSecretsOptions {
  /** Directory where Flyte 1 deployments mount secrets (one file per key). */
  readonly directory: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Values are re-read at least this often even if a file-system event was missed. */
const MAX_CACHE_AGE_MS = 60_000;

export type SecretsChangeListener = (changedKeys: readonly string[]) => void;

/**
 * Secrets the service process holds, the way Flyte 1 deployments provide them: an environment variable
 * `_FSEC_<KEY>` or a file `<directory>/<key lowercased>`. Files are re-read when the directory changes
 * (Kubernetes swaps the `..data` link when a Secret is updated), so rotating a secret needs no restart.
 */
export class ServerSecrets {
  private readonly cache = new Map<string, { readonly value: string; readonly readAt: number }>();
  /** Bumped by every invalidation, so that a read that started before a change does not cache the old value. */
  private generation = 0;
  private readonly listeners = new Set<SecretsChangeListener>();
  private watcher: FSWatcher | undefined;

  constructor(private readonly options: ServerSecretsOptions) {}

  get directory(): string {
    return this.options.directory;
  }

  /** The value of a secret, or undefined when neither the environment nor the directory has it. */
  async get(key: string): Promise<string | undefined> {
    const fromEnv = this.options.env[`_FSEC_${key.toUpperCase()}`];
    if (fromEnv !== undefined) return fromEnv;
    const fileName = key.toLowerCase();
    const cached = this.cache.get(fileName);
    if (cached !== undefined && Date.now() - cached.readAt < MAX_CACHE_AGE_MS) return cached.value;
    const generation = this.generation;
    const value = await this.readFile(fileName);
    // Absent secrets are not cached: a file that appears later must be seen without relying on the watcher.
    if (value !== undefined && generation === this.generation)
      this.cache.set(fileName, { value, readAt: Date.now() });
    return value;
  }

  /** Starts watching the secrets directory; a missing directory is not an error (nothing to watch). */
  startWatching(): void {
    if (this.watcher !== undefined) return;
    try {
      this.watcher = watch(this.options.directory, { persistent: false }, (_event, fileName) => {
        this.invalidate(fileName === null ? undefined : fileName.toString());
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      this.watcher = undefined;
    }
  }

  stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  onChange(listener: SecretsChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets cached values; a Kubernetes update renames `..data`, so anything but a plain key drops all. */
  invalidate(fileName?: string): void {
    this.generation += 1;
    const everything = fileName === undefined || fileName.startsWith('..');
    const keys = everything ? [...this.cache.keys()] : [fileName];
    if (everything) this.cache.clear();
    else this.cache.delete(fileName);
    for (const listener of this.listeners) {
      try {
        listener(keys);
      } catch {
        // A listener's failure must not stop the others or escape into the fs.watch callback.
      }
    }
  }

  private async readFile(fileName: string): Promise<string | undefined> {
    try {
      // Secret files often end with a newline added by whoever wrote them; flytekit strips it too.
      return (await readFile(join(this.options.directory, fileName), 'utf8')).trim();
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'ENOENT' ||
        (error as NodeJS.ErrnoException).code === 'ENOTDIR'
      )
        return undefined;
      throw error;
    }
  }
}
