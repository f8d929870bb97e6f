// The acceptance kit against the reference connector (which must pass every check) and against deliberately broken
// variants (each must fail exactly the check meant to catch its mistake, with a reason that says what is wrong).
import { describe, expect, it } from 'vitest';
import type { Connector } from '@org/connector-core';
import { canaryForms, CHECK_IDS, runAcceptanceChecks, type CheckId } from '@org/connector-core/testing';
import {
  Base64LogLeakConnector,
  BulkyMetaConnector,
  DefaultedProjectConnector,
  FalselyIdempotentConnector,
  FlappingTerminalConnector,
  MissingOutputsConnector,
  NoCancelConnector,
  SilentFailureConnector,
  StrictDeleteConnector,
  TransientAsFailedConnector,
  UnflaggedTokenConnector,
  UnknownStateThrowsConnector,
  UrlEncodedErrorLeakConnector,
} from './fixtures/kit/broken-connectors.js';
import { REFERENCE_TOKEN, referenceHarness } from './fixtures/kit/reference-harness.js';
import { echoHarness } from './fixtures/kit/sync-connector.js';

describe('the reference connector', () => {
  it('passes every check, in both protocol families', async () => {
    const results = await runAcceptanceChecks({ harness: referenceHarness() });
    expect(results.map((r) => r.id)).toEqual(CHECK_IDS);
    expect(results.filter((r) => r.status !== 'passed')).toEqual([]);
  });
});

interface Violation {
  readonly name: string;
  readonly connector: () => Connector;
  readonly fails: readonly CheckId[];
  readonly reason: RegExp;
}

const VIOLATIONS: readonly Violation[] = [
  {
    name: 'a token parameter without the secret flag',
    connector: () => new UnflaggedTokenConnector(),
    fails: ['spec'],
    reason:
      /parameter 'token' is read from connection\.secrets\.reference_token .* but is not `secret: true`/,
  },
  {
    name: 'a required parameter that is never enforced (it has a default)',
    connector: () => new DefaultedProjectConnector(),
    fails: ['required-params'],
    reason:
      /\[v1\] CreateTask succeeded without any value for required parameter 'project'.*declares a default/,
  },
  {
    name: 'declared outputs missing from SUCCEEDED',
    connector: () => new MissingOutputsConnector(),
    fails: ['lifecycle-succeeded'],
    reason: /\[v1\] SUCCEEDED without the declared output 'rows'/,
  },
  {
    name: 'Get after a terminal phase flipping back to RUNNING',
    connector: () => new FlappingTerminalConnector(),
    fails: ['terminal-stable'],
    reason: /GetTask #1 after SUCCEEDED answered RUNNING .*a terminal phase must stay terminal/,
  },
  {
    name: 'Delete of an unknown or finished job failing with NOT_FOUND',
    connector: () => new StrictDeleteConnector(),
    fails: ['delete-finished'],
    reason: /DeleteTask failed with NOT_FOUND: .*\(DeleteTask of a job the backend does not know\)/,
  },
  {
    name: 'Delete of a running job that cancels nothing',
    connector: () => new NoCancelConnector(),
    fails: ['delete-running'],
    reason: /DeleteTask of running job 'job-[^']+' succeeded but the backend received no cancel/,
  },
  {
    name: 'an unknown backend state thrown as an error',
    connector: () => new UnknownStateThrowsConnector(),
    fails: ['unknown-state'],
    reason: /\[v1\] GetTask failed with INTERNAL: Unrecognized state: reticulating_splines/,
  },
  {
    name: 'a transient backend failure reported as FAILED',
    connector: () => new TransientAsFailedConnector(),
    fails: ['transient-get'],
    reason: /GetTask during a backend http-500 answered FAILED .*must not end the task/,
  },
  {
    name: 'a failed job reported without the backend’s message',
    connector: () => new SilentFailureConnector(),
    fails: ['lifecycle-failed'],
    reason: /the FAILED resource does not carry the backend's error \('acceptance-kit simulated failure/,
  },
  {
    name: 'resource_meta larger than 1 KiB',
    connector: () => new BulkyMetaConnector(),
    fails: ['resource-meta'],
    reason: /\[v1\] resource_meta is \d{4,} bytes \(limit 1024\)/,
  },
  {
    name: 'a non-idempotent create claiming idempotentCreate',
    connector: () => new FalselyIdempotentConnector(),
    fails: ['idempotent-create'],
    reason:
      /declares idempotentCreate, but two CreateTask calls for the same attempt made the backend create 2 jobs/,
  },
  {
    name: 'the token logged base64-encoded (a Basic auth header)',
    connector: () => new Base64LogLeakConnector(),
    fails: ['secret-leaks'],
    reason: /secret found \(base64\) in a log line \(\d+ times\): .*Basic [\w+/]*<canary #1 base64>/,
  },
  {
    name: 'the token URL-encoded in an error message',
    connector: () => new UrlEncodedErrorLeakConnector(),
    fails: ['secret-leaks'],
    reason: /secret found \(URL-encoded\) in .*access_token=<canary #1 URL-encoded>/,
  },
];

describe.concurrent('a broken connector fails exactly the check meant to catch it', () => {
  it.each(VIOLATIONS)('$name', async ({ connector, fails, reason }) => {
    const results = await runAcceptanceChecks({ harness: referenceHarness(connector) });
    const failed = results.filter((r) => r.status !== 'passed');
    expect(failed.map((r) => r.id)).toEqual(fails);
    expect(failed.map((r) => r.reason).join('\n')).toMatch(reason);
    // Reports mask the secret instead of repeating it.
    const reasons = results.map((r) => r.reason).join('\n');
    for (const form of canaryForms([REFERENCE_TOKEN])) expect(reasons).not.toContain(form.text);
  });
});

describe('a synchronous connector', () => {
  it('passes the checks that apply and skips those that drive jobs', async () => {
    const results = await runAcceptanceChecks({ harness: echoHarness() });
    const byStatus = (status: string) => results.filter((r) => r.status === status).map((r) => r.id);
    expect(byStatus('failed')).toEqual([]);
    expect(byStatus('skipped')).toEqual([
      'lifecycle-failed',
      'delete-running',
      'delete-finished',
      'unknown-state',
      'transient-get',
      'idempotent-create',
    ]);
    expect(results.find((r) => r.id === 'unknown-state')?.reason).toMatch(/synchronous/);
  });
});

describe('a harness that cannot support the kit', () => {
  it('fails the checks with the harness problem instead of crashing', async () => {
    const harness = referenceHarness();
    const results = await runAcceptanceChecks({
      harness: { ...harness, jobs: undefined, canarySecrets: () => ['not-supplied-anywhere'] },
      only: ['delete-running', 'secret-leaks'],
    });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['delete-running', 'failed'],
      ['secret-leaks', 'failed'],
    ]);
    expect(results[0]!.reason).toMatch(/^harness: the harness has no `jobs` control/);
    expect(results[1]!.reason).toMatch(/^harness: canary #1 is not among the connection secrets/);
  });
});
