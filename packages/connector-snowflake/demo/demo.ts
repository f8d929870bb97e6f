// "Try it without a Snowflake account": runs demo/query-task.yaml through the real deployment path — the built
// `flyte-connect serve` with this connector, then `flyte-connect run` against it over Flyte 2's protocol — with the
// tests' local Snowflake backend standing in for the account (everything on 127.0.0.1).
//   npm run demo -w @org/connector-snowflake     (after `npm run build` at the repository root)
// Queries progress by themselves: RESUMING_WAREHOUSE for 1 s, QUEUED for 1 s, RUNNING for 2 s, then SUCCESS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptedKey } from '../test/support/keys.js';
import { SnowflakeBackend } from '../test/support/snowflake-backend.js';
import { CLI, PACKAGE_DIR, requireBuilt, serveBuilt, type ServedService } from './serve.js';

const TASK_FILE = join(PACKAGE_DIR, 'demo/query-task.yaml');
/** The user of demo/query-task.yaml, whom the demo key pair belongs to. */
const USER = 'FLYTE_DEMO';
const PASSPHRASE = 'demo-passphrase';
const INPUTS = '{"segment": "BUILDING", "limit": 10}';
const progression = {
  resumingMs: Number(process.env['DEMO_RESUMING_MS'] ?? 1000),
  queuedMs: Number(process.env['DEMO_QUEUED_MS'] ?? 1000),
  runningMs: Number(process.env['DEMO_RUNNING_MS'] ?? 2000),
};

const say = (text: string) => process.stderr.write(`[demo] ${text}\n`);

requireBuilt(say, '@org/connector-snowflake');

// 1. The local Snowflake backend, with queries that move on by the clock.
const backend = new SnowflakeBackend();
backend.progression = progression;
await backend.start();
say(
  `local Snowflake backend on ${backend.url} (queries: RESUMING_WAREHOUSE ${progression.resumingMs} ms, ` +
    `QUEUED ${progression.queuedMs} ms, RUNNING ${progression.runningMs} ms, SUCCESS)`,
);

// 2. A demo key pair: the public key registered for the user, the encrypted private key and its passphrase in files.
const key = encryptedKey(PASSPHRASE);
backend.registerUser(USER, key.publicKeyPem);
const tempDir = mkdtempSync(join(tmpdir(), 'snowflake-demo-'));
const keyFile = join(tempDir, 'rsa_key.p8');
const passphraseFile = join(tempDir, 'rsa_key.passphrase');
writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
writeFileSync(passphraseFile, PASSPHRASE, { mode: 0o600 });
say(`demo key pair for ${USER}: encrypted private key in ${keyFile}`);

const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  FLYTE_SNOWFLAKE_ACCESS_URL: backend.url,
  // The connector sets it too; said here so that nothing in the demo probes cloud metadata services.
  SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
};

let service: ServedService | undefined;
let exitCode = 3;
try {
  // 3. The connector service, as deployed: core's CLI loading the built plugin.
  service = await serveBuilt({ env: childEnv });
  say(`connector service (flyte-connect serve) on 127.0.0.1:${service.grpcPort}`);
  const args = [
    'run',
    TASK_FILE,
    '--endpoint',
    `127.0.0.1:${service.grpcPort}`,
    '--protocol',
    'v2',
    '--inputs',
    INPUTS,
    '--secret-file',
    `snowflake_private_key=${keyFile}`,
    '--secret-file',
    `snowflake_private_key_passphrase=${passphraseFile}`,
  ];
  say(`flyte-connect ${args.join(' ')}\n`);
  // 4. The task run, on this terminal: progress lines, the Snowsight log link, then the outputs.
  const run = spawn(process.execPath, [CLI, ...args], { env: childEnv, stdio: 'inherit' });
  exitCode = await new Promise<number>((resolve) => {
    run.once('close', (code, signal) => resolve(code ?? (signal === null ? 3 : 130)));
  });
  process.stderr.write('\n');
  say(`run exited with ${exitCode}; ${summary()}`);
} catch (error) {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  if (service !== undefined) process.stderr.write(service.log.join(''));
} finally {
  // 5. Stop everything.
  await service?.stop();
  await backend.stop();
  rmSync(tempDir, { recursive: true, force: true });
}
process.exit(exitCode);

/** What the backend saw: logins, the statement as bound, the session, the status reads. */
function summary(): string {
  const count = (method: string, pattern: RegExp) =>
    backend.requests.filter((request) => request.method === method && pattern.test(request.path)).length;
  const lines = [
    `the backend saw ${backend.requests.length} requests on ${backend.connections} connection(s): ` +
      `${backend.logins} login(s) (${backend.failedLogins} refused), ` +
      `${count('POST', /^\/queries\/v1\/query-request$/)} query-request, ` +
      `${count('GET', /^\/monitoring\/queries\//)} monitoring reads`,
  ];
  for (const query of backend.submitted()) {
    const binds = Object.entries(query.bindings ?? {})
      .map(([position, bind]) => `${position}=${bind.type} ${JSON.stringify(bind.value)}`)
      .join(', ');
    const session = query.session;
    const tag = query.parameters?.['QUERY_TAG'];
    lines.push(
      `query ${query.id}: ${query.status}`,
      `  sql:       ${query.sqlText.trim().replace(/\s+/g, ' ')}`,
      `  binds:     ${binds}`,
      `  session:   ${session.account} as ${session.user}, role ${session.role ?? '-'}, warehouse ` +
        `${session.warehouse ?? '-'}, ${session.database ?? '-'}.${session.schema ?? '-'}`,
      `  QUERY_TAG: ${typeof tag === 'string' ? tag : '-'}`,
    );
  }
  return lines.join('\n[demo]   ');
}
