// Scenario 5: server CPU per GetTask for each first-party connector against its local backend. Each connector
// package that has a `bench` script measures this itself (it owns the backend and the task); the suite runs those
// scripts and reads their "CPU per GetTask" row. Packages without one are listed as not measured.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext } from '../context.ts';
import { repoRoot } from '../paths.ts';
import type { Row, ScenarioReport } from '../report.ts';

const run = promisify(execFile);

interface ConnectorPackage {
  readonly name: string;
  readonly dir: string;
  readonly hasBench: boolean;
}

function connectorPackages(): ConnectorPackage[] {
  const packagesDir = join(repoRoot, 'packages');
  return readdirSync(packagesDir)
    .filter((dir) => dir.startsWith('connector-'))
    .sort()
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
        name: string;
        scripts?: Record<string, string>;
      };
      return { name: manifest.name, dir, hasBench: manifest.scripts?.['bench'] !== undefined };
    });
}

/** Reads `| … CPU per GetTask (ms|µs) | value |` and `| GetTask/s answered … | value |` from a bench's table. */
export function readConnectorBench(output: string): { cpuUsPerGet: number; getsPerSecond: number } {
  const cpu = /CPU per GetTask \((ms|µs)\)\s*\|\s*([\d.,]+)/.exec(output);
  const rate = /GetTask\/s[^|]*\|\s*([\d.,]+)/.exec(output);
  const number = (text: string | undefined) => Number((text ?? 'NaN').replaceAll(',', ''));
  return {
    cpuUsPerGet: cpu === null ? NaN : number(cpu[2]) * (cpu[1] === 'ms' ? 1000 : 1),
    getsPerSecond: number(rate?.[1]),
  };
}

export async function connectorCpuScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const rows: Row[] = [];
  const notes: string[] = [];
  // A smoke run shortens the packages' benches through the knobs they share (window and number of tasks).
  const quick = {
    BENCH_SECONDS: '3',
    BENCH_JOBS: '100',
    BENCH_RUNS: '100',
    BENCH_BATCHES: '100',
    BENCH_QUERIES: '100',
  };
  const env = { ...process.env, ...(ctx.profile.quick ? quick : {}) };
  for (const pkg of connectorPackages()) {
    if (!pkg.hasBench) {
      rows.push({ label: pkg.name, cells: ['not measured: the package has no bench script', '–', '–'] });
      continue;
    }
    ctx.log(`connector bench: ${pkg.name}`);
    try {
      const { stdout } = await run('npm', ['run', '--silent', 'bench', '-w', pkg.name], {
        cwd: repoRoot,
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
      const figures = readConnectorBench(stdout);
      rows.push({
        label: pkg.name,
        cells: [`packages/${pkg.dir}/bench`, figures.cpuUsPerGet, figures.getsPerSecond],
      });
    } catch (error) {
      rows.push({ label: pkg.name, cells: ['the bench failed', '–', '–'] });
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      const lastLines = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400);
      notes.push(`${pkg.name} bench failed: ${lastLines}`);
    }
  }
  notes.push(
    'The Python connectors are not measured in this scenario: that needs their vendor SDKs redirected to the same ' +
      'local backends, which the suite does not do yet.',
  );
  return {
    heading: '5. Server CPU per GetTask for each first-party connector against its local backend',
    method:
      'Each connector package with a `bench` script runs it (`npm run bench -w <package>`, at its default settings; ' +
      'it starts its local backend and `flyte-connect serve` pinned to the server core) and reports the service ' +
      'CPU per GetTask; see the package sections for their set-ups. Run `npm run build` first.',
    tables: [
      {
        title: 'CPU per GetTask',
        figures: [{ label: 'bench' }, { label: 'server CPU per GetTask (µs)' }, { label: 'GetTask/s' }],
        rows,
      },
    ],
    notes,
  };
}
