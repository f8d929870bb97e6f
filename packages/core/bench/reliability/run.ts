// Long runs of the reliability scenarios (docs/reliability.md). Not a test: it runs the same Vitest scenarios as
// `npm test`, with their knobs raised, and prints the figures each scenario reports.
//
//   npm run reliability -w @org/connector-core -- fuzz --cases 100000
//   npm run reliability -w @org/connector-core -- soak --seconds 600
//   npm run reliability -w @org/connector-core -- backend-faults --tasks 10000 [--rate 0.2] [--seed N]
//   npm run reliability -w @org/connector-core -- all        (every scenario at its CI size)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const SCENARIOS: Readonly<Record<string, { file: string; env: (o: Options) => Record<string, string> }>> = {
  fuzz: {
    file: 'test/reliability/fuzz.test.ts',
    env: (o) => ({
      RELIABILITY_FUZZ_CASES: o.cases ?? '100000',
      RELIABILITY_FUZZ_COLLECT: '1',
      ...(o.seed === undefined ? {} : { RELIABILITY_FUZZ_SEED: o.seed }),
      ...(o.concurrency === undefined ? {} : { RELIABILITY_FUZZ_CONCURRENCY: o.concurrency }),
    }),
  },
  secrets: { file: 'test/reliability/secrets.test.ts', env: () => ({}) },
  'process-faults': {
    file: 'test/reliability/process-faults.test.ts',
    env: (o): Record<string, string> => (o.tasks === undefined ? {} : { RELIABILITY_TASKS: o.tasks }),
  },
  'abusive-clients': {
    file: 'test/reliability/abusive-clients.test.ts',
    env: (o): Record<string, string> =>
      o.connections === undefined ? {} : { RELIABILITY_IDLE_CONNECTIONS: o.connections },
  },
  soak: {
    file: 'test/reliability/soak.test.ts',
    env: (o) => ({ RELIABILITY_SOAK_SECONDS: o.seconds ?? '600' }),
  },
  'backend-faults': {
    file: 'test/reliability/backend-faults.test.ts',
    env: (o) => ({
      RELIABILITY_FAULT_TASKS: o.tasks ?? '10000',
      ...(o.rate === undefined ? {} : { RELIABILITY_FAULT_RATE: o.rate }),
      ...(o.seed === undefined ? {} : { RELIABILITY_FAULT_SEED: o.seed }),
      ...(o.concurrency === undefined ? {} : { RELIABILITY_FAULT_CONCURRENCY: o.concurrency }),
    }),
  },
};

interface Options {
  cases?: string;
  seed?: string;
  concurrency?: string;
  seconds?: string;
  tasks?: string;
  connections?: string;
  rate?: string;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    cases: { type: 'string' },
    seed: { type: 'string' },
    concurrency: { type: 'string' },
    seconds: { type: 'string' },
    tasks: { type: 'string' },
    connections: { type: 'string' },
    rate: { type: 'string' },
  },
});
const scenario = positionals[0] ?? 'all';
const chosen = scenario === 'all' ? Object.keys(SCENARIOS) : [scenario];
for (const name of chosen) {
  if (SCENARIOS[name] === undefined) {
    process.stderr.write(`unknown scenario '${name}'; one of: ${Object.keys(SCENARIOS).join(', ')}, all\n`);
    process.exit(2);
  }
}

const reportDir = mkdtempSync(join(tmpdir(), 'flyte-connect-reliability-'));
let failed = false;
for (const name of chosen) {
  const spec = SCENARIOS[name]!;
  const env = scenario === 'all' ? {} : spec.env(values);
  process.stdout.write(`\n=== ${name} ${JSON.stringify(env)}\n`);
  const result = spawnSync('npx', ['vitest', 'run', spec.file, '--testTimeout', '0'], {
    cwd: packageDir,
    stdio: 'inherit',
    env: { ...process.env, ...env, RELIABILITY_REPORT_DIR: reportDir },
  });
  if (result.status !== 0) failed = true;
}
process.stdout.write(`\n=== figures (also in ${reportDir})\n`);
for (const file of readdirSync(reportDir).sort())
  process.stdout.write(readFileSync(join(reportDir, file), 'utf8'));
process.exit(failed ? 1 : 0);
