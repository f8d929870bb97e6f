import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GarbageCollector = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * Runs one full, memory-reducing garbage collection. Start-up (compiling modules, building both protocol families'
 * descriptors) grows V8's young generation to its full size, and V8 gives those pages back only if its memory
 * reducer happens to run, which in a process that then sits idle it often never does: an idle service kept
 * ~15 MB it did not use. Collecting once, shortly after the service starts listening, returns them for a few tens of
 * milliseconds of CPU. Best effort: where the collector cannot be reached, nothing happens.
 */
export function releaseStartupMemory(): void {
  setFlagsFromString('--expose-gc');
  try {
    // A fresh context picks up the flag; the service's own global scope never gets a `gc` function.
    const gc = runInNewContext('gc') as GarbageCollector;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } catch {
    // Not reachable in this runtime: the memory is given back later, or not at all.
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
