// Installs what the suite compares against, into throwaway folders under the cache: one Python virtual environment
// per peer server (pinned requirements from PyPI) and the ghz load generator (pinned, from the Go module proxy).
// Each install is skipped when a marker says the same pins are already installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonDir, toolsRoot, venvRoot } from './paths.ts';

export const GHZ_MODULE = 'github.com/bojand/ghz/cmd/ghz';
export const GHZ_VERSION = 'v0.120.0';

export type PeerName = 'flyte-sdk' | 'flytekit';

export interface PythonEnv {
  readonly name: PeerName;
  readonly venv: string;
  readonly bin: (program: string) => string;
  /** `name==version` of the server's own distribution, for the report. */
  readonly version: string;
}

const serverDistribution: Record<PeerName, string> = { 'flyte-sdk': 'flyte', flytekit: 'flytekit' };

/** The Python that creates the environments: BENCH_PYTHON, else `python3` from PATH. */
const basePython = process.env['BENCH_PYTHON'] ?? 'python3';

export function ensurePythonEnv(name: PeerName, log: (line: string) => void): PythonEnv {
  const venv = join(venvRoot, name);
  const requirements = join(pythonDir, `requirements-${name}.txt`);
  const pythonVersion = execFileSync(basePython, ['--version'], { encoding: 'utf8' }).trim();
  const fingerprint = createHash('sha256')
    .update(readFileSync(requirements))
    .update(pythonVersion)
    .digest('hex');
  const marker = join(venv, '.bench-installed');
  const bin = (program: string) => join(venv, 'bin', program);
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== fingerprint) {
    log(`installing ${name} into ${venv} (${pythonVersion}; a few minutes the first time)`);
    rmSync(venv, { recursive: true, force: true });
    execFileSync(basePython, ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(bin('pip'), ['install', '--quiet', '-r', requirements], { stdio: 'inherit' });
    // Bytecode as a deployment image has it, whatever PYTHONDONTWRITEBYTECODE said during the install. Files that
    // do not compile (some packages ship Python 2 examples) make compileall exit 1; they are never imported.
    spawnSync(bin('python'), ['-m', 'compileall', '-q', join(venv, 'lib')], { stdio: 'ignore' });
    writeFileSync(marker, fingerprint);
  }
  const distribution = serverDistribution[name];
  const version = execFileSync(
    bin('python'),
    ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(distribution)}))`],
    { encoding: 'utf8' },
  ).trim();
  return { name, venv, bin, version: `${distribution}==${version}` };
}

/** The ghz binary, built once with `go install` into a folder named after its version. */
export function ensureGhz(log: (line: string) => void): string {
  const dir = join(toolsRoot, `ghz-${GHZ_VERSION}`);
  const binary = join(dir, 'ghz');
  if (!existsSync(binary)) {
    log(`installing ghz ${GHZ_VERSION} with go install (needs Go and the Go module proxy)`);
    mkdirSync(dir, { recursive: true });
    execFileSync('go', ['install', `${GHZ_MODULE}@${GHZ_VERSION}`], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: dir },
    });
  }
  return binary;
}
