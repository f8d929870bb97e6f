// Where the suite's own files, the repository it measures and its cached tools live.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const pythonDir = join(benchDir, 'python');
export const repoRoot = resolve(benchDir, '..', '..', '..');
export const coreCli = join(repoRoot, 'packages', 'core', 'dist', 'cli', 'main.js');
export const benchConnector = join(benchDir, 'bench-connector.js');
export const docsFile = join(repoRoot, 'docs', 'benchmarks.md');
export const chartFile = join(repoRoot, 'docs', 'benchmarks-python-latency.svg');

/** Throwaway installs (virtual environments, ghz) survive between runs here; delete the folder to start afresh. */
export const cacheDir = process.env['FLYTE_BENCH_CACHE'] ?? join(homedir(), '.cache', 'flyte-connectors');
export const venvRoot = join(cacheDir, 'bench-venv');
export const toolsRoot = join(cacheDir, 'bench-tools');
