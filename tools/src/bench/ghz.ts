// The load generator: ghz, pinned to the load core, sending one pre-encoded request (--binary-file) decoded with the
// target family's protoset. Latency percentiles are computed here from ghz's per-request details, because its own
// summary stops at p99.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOAD_CORE, pinned } from './proc.ts';

const run = promisify(execFile);

export interface LoadSpec {
  readonly ghz: string;
  readonly port: number;
  readonly protoset: string;
  /** `package.Service/Method` */
  readonly call: string;
  readonly request: Uint8Array;
  /** Workers, each with one call in flight at a time. */
  readonly concurrency: number;
  readonly connections?: number;
  /** Offered rate (requests/s); unset means as fast as the workers go (saturation). */
  readonly rps?: number;
  /** Run for this long... */
  readonly seconds?: number;
  /** ...or send exactly this many requests. */
  readonly total?: number;
  readonly timeoutSeconds?: number;
  /** Folder for the request file and ghz's JSON report. */
  readonly workDir: string;
  readonly name: string;
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  /** Error messages by count, as ghz reports them. */
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly seconds: number;
  /** Successful calls per second over the run. */
  readonly okPerSecond: number;
  /** Percentile (0..1) of the successful calls' latency, in ms. */
  readonly latencyMs: (quantile: number) => number;
  /** The successful calls' latencies in ms, ascending. */
  readonly latenciesMs: readonly number[];
}

/** The `quantile` (0..1) of ascending values; NaN for none. */
export function percentile(ascending: readonly number[], quantile: number): number {
  return ascending.length === 0
    ? NaN
    : ascending[Math.min(ascending.length - 1, Math.ceil(quantile * ascending.length) - 1)]!;
}

interface GhzReport {
  count: number;
  total: number;
  errorDistribution?: Record<string, number> | null;
  details?: { latency: number; status: string }[] | null;
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const requestFile = join(spec.workDir, `${spec.name}.bin`);
  const reportFile = join(spec.workDir, `${spec.name}.ghz.json`);
  writeFileSync(requestFile, spec.request);
  const args = [
    '--insecure',
    '--protoset',
    spec.protoset,
    '--call',
    spec.call,
    '--binary-file',
    requestFile,
    '--concurrency',
    String(spec.concurrency),
    '--connections',
    String(spec.connections ?? 1),
    '--timeout',
    `${spec.timeoutSeconds ?? 20}s`,
    // The generator is pinned to one core; more Go threads would only contend for it.
    '--cpus',
    '1',
    '--max-recv-message-size',
    '64MB',
    '--max-send-message-size',
    '64MB',
    '--disable-template-functions',
    '--disable-template-data',
    // Calls still in flight when the duration ends are waited for and counted: dropping them would hide the
    // slowest calls of a target that cannot keep up.
    '--duration-stop',
    'wait',
    '--format',
    'json',
    '--output',
    reportFile,
    ...(spec.rps === undefined ? [] : ['--rps', String(spec.rps)]),
    ...(spec.seconds === undefined
      ? ['--total', String(spec.total ?? 1)]
      : ['--duration', `${spec.seconds}s`]),
    `127.0.0.1:${spec.port}`,
  ];
  const [command, pinnedArgs] = pinned(LOAD_CORE, spec.ghz, args);
  await run(command, pinnedArgs, { maxBuffer: 64 * 1024 * 1024 });
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as GhzReport;
  const details = report.details ?? [];
  const latencies = details
    .filter((detail) => detail.status === 'OK')
    .map((detail) => detail.latency / 1e6)
    .sort((a, b) => a - b);
  const seconds = report.total / 1e9;
  const errorKinds = report.errorDistribution ?? {};
  return {
    sent: report.count,
    ok: latencies.length,
    errors: details.length - latencies.length,
    errorKinds,
    seconds,
    okPerSecond: latencies.length / seconds,
    latencyMs: (quantile) => percentile(latencies, quantile),
    latenciesMs: latencies,
  };
}
