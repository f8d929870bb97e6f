// Side-by-side benchmarks of this project's connector service against the Python connector servers (issue 10).
// Run: `npm run bench:python` (full, rewrites the marked block of docs/benchmarks.md) or
// `npm run bench:python -- --quick` (a few seconds per scenario, results only in the output folder).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { latencyChartSvg, type LatencyPoint } from './chart.ts';
import { FULL, prepareGet, QUICK, withServer, type BenchContext, type Calibration } from './context.ts';
import { loadIdl } from './idl.ts';
import { ensureGhz, ensurePythonEnv } from './install.ts';
import { describeMachine } from './machine.ts';
import { chartFile, docsFile } from './paths.ts';
import { renderScenario, writeDocsBlock, type ScenarioReport } from './report.ts';
import { coldStartScenario } from './scenarios/cold-start.ts';
import { connectorCpuScenario } from './scenarios/connector-cpu.ts';
import { createTaskScenario } from './scenarios/create-task.ts';
import { getTaskScenario } from './scenarios/get-task.ts';
import { slowCreatesScenario } from './scenarios/slow-creates.ts';
import { TARGETS, type TargetId } from './targets.ts';

const HELP = `Usage: npm run bench:python -- [options]

Side-by-side benchmarks of flyte-connect against flyte-sdk's and flytekit's connector servers and a bare grpc-js
server. Installs the Python servers (PyPI) into ~/.cache/flyte-connectors/bench-venv and ghz (Go module proxy) on
first use. Needs Linux, Python 3.10+, Go, and the workspace built (npm run build).

Options:
  --quick               a smoke run: 2 s per phase, 1,000 slow creates, 1 cold start; never writes docs
  --scenarios <list>    comma-separated scenario numbers to run (default: 1,2,3,4,5)
                          1 GetTask throughput and latency   2 CreateTask 1 KiB / 1 MiB
                          3 10,000 slow creates in flight    4 cold start    5 CPU per GetTask per connector
  --targets <list>      comma-separated targets (default: all): ${TARGETS.map((target) => target.id).join(', ')}
  --out <dir>           folder for the report, chart, ghz reports and server logs
                          (default: a new folder under the system temp dir)
  --no-docs             do not rewrite docs/benchmarks.md and its chart after a full run
  -h, --help            show this help
`;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string', default: '1,2,3,4,5' },
    targets: { type: 'string' },
    out: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const profile = values.quick ? QUICK : FULL;
const scenarios = new Set(values.scenarios.split(',').map((item) => Number(item.trim())));
const wantedTargets = values.targets?.split(',').map((item) => item.trim()) as TargetId[] | undefined;
const unknown = wantedTargets?.filter((id) => !TARGETS.some((target) => target.id === id)) ?? [];
if (unknown.length > 0) throw new Error(`unknown targets: ${unknown.join(', ')}`);
const targets = TARGETS.filter((target) => wantedTargets === undefined || wantedTargets.includes(target.id));
const startedAt = new Date();
const workDir =
  values.out ?? join(tmpdir(), `flyte-bench-python-${startedAt.toISOString().replaceAll(':', '-')}`);
mkdirSync(workDir, { recursive: true });
const log = (line: string) => process.stderr.write(`[bench:python] ${line}\n`);

const ghz = ensureGhz(log);
const peers = { 'flyte-sdk': ensurePythonEnv('flyte-sdk', log), flytekit: ensurePythonEnv('flytekit', log) };
const idl = { v1: loadIdl('v1', peers.flytekit, workDir), v2: loadIdl('v2', peers['flyte-sdk'], workDir) };
const machine = describeMachine(Object.values(peers), peers['flyte-sdk']);
log(`${profile.quick ? 'quick' : 'full'} run; output in ${workDir}`);
log(machine);

// The bare server repeats our service's answer sizes, so both move the same bytes.
const ours = TARGETS.find((target) => target.id === 'ours-v2')!;
const calibration: Calibration = await withServer({ peers, workDir }, ours, undefined, async (server) => {
  const prepared = await prepareGet(idl, server);
  return {
    getTaskResponse: prepared.response.toString('base64'),
    createTaskResponse: prepared.createResponse.toString('base64'),
  };
});

const ctx: BenchContext = { ghz, peers, idl, workDir, profile, targets, calibration, log };
const reports: ScenarioReport[] = [];
let chart: LatencyPoint[] = [];
if (scenarios.has(1)) {
  const result = await getTaskScenario(ctx);
  reports.push(result.report);
  chart = result.chart;
}
if (scenarios.has(2)) reports.push(await createTaskScenario(ctx));
if (scenarios.has(3)) reports.push(await slowCreatesScenario(ctx));
if (scenarios.has(4)) reports.push(await coldStartScenario(ctx));
if (scenarios.has(5)) reports.push(await connectorCpuScenario(ctx));

const writeDocs = !profile.quick && !values['no-docs'] && scenarios.size === 5 && wantedTargets === undefined;
const chartTarget = writeDocs ? chartFile : join(workDir, 'latency-vs-load.svg');
const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1);
const block = [
  `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:python\`` +
    `${profile.quick ? ' -- --quick (smoke run: figures not meaningful)' : ''} in ${minutes} min. Machine: ${machine}.`,
  ...(chart.length > 0
    ? [
        `![GetTask latency against offered load](${writeDocs ? relative(dirname(docsFile), chartFile) : 'latency-vs-load.svg'})`,
      ]
    : []),
  ...reports.map(renderScenario),
].join('\n\n');

const chartSubtitle = `${machine.split(';')[0]}${profile.quick ? ' — smoke run, figures not meaningful' : ''}`;
if (chart.length > 0) writeFileSync(chartTarget, await latencyChartSvg(chart, chartSubtitle));
writeFileSync(join(workDir, 'report.md'), `${block}\n`);
writeFileSync(
  join(workDir, 'results.json'),
  JSON.stringify({ machine, profile, calibration, reports, chart }, null, 2),
);
if (writeDocs) writeDocsBlock(docsFile, block);
process.stdout.write(`${block}\n`);
log(`report: ${join(workDir, 'report.md')}${writeDocs ? `; docs updated: ${docsFile}, ${chartFile}` : ''}`);
process.exit(0);
