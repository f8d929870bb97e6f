import { canaryForms, maskCanaries, type CanaryForm } from './canary.js';
import { ACCEPTANCE_CHECKS } from './checks/index.js';
import { HarnessProblem, Kit, SkipCheck } from './kit.js';
import {
  resolveOptions,
  type AcceptanceOptions,
  type CheckId,
  type CheckResult,
  type CheckStatus,
} from './options.js';
import { KitService, LogSink } from './service.js';

/** A check as a session offers it: run it with {@link AcceptanceSession.run}. */
export interface CheckInfo {
  /** The check's id. */
  readonly id: CheckId;
  /** What the check asserts, in one line. */
  readonly title: string;
}

/**
 * The harness's backend and a connector service, started once and shared by the checks. Use it to run the checks
 * one by one (as `describeConnectorAcceptance` does, one test each); `runAcceptanceChecks` runs them all.
 */
export interface AcceptanceSession {
  /** The selected checks, in the order they should run. */
  readonly checks: readonly CheckInfo[];
  /** Starts the harness's backend, then the service. Throws when either fails to start. */
  start(): Promise<void>;
  /** Runs one check. Never throws: a crash inside a check is a failed result. */
  run(id: CheckId): Promise<CheckResult>;
  /** Stops the service, then the backend. Safe to call when `start()` failed. */
  stop(): Promise<void>;
}

/** Creates a session for the given options; nothing starts until {@link AcceptanceSession.start}. */
export function createAcceptanceSession(options: AcceptanceOptions): AcceptanceSession {
  const resolved = resolveOptions(options);
  const harness = resolved.harness;
  let kit: Kit | undefined;
  let harnessStarted = false;
  let forms: CanaryForm[] = [];

  return {
    checks: resolved.checks.map((id) => ({ id, title: ACCEPTANCE_CHECKS[id].title })),

    async start() {
      await harness.start();
      harnessStarted = true;
      forms = canaryForms(harness.canarySecrets());
      const logs = new LogSink();
      const service = await KitService.start({ harness, logs, callTimeoutMs: resolved.callTimeoutMs });
      try {
        kit = new Kit(resolved, service, logs);
      } catch (error) {
        await service.stop();
        throw error;
      }
    },

    async run(id) {
      const check = ACCEPTANCE_CHECKS[id];
      const started = performance.now();
      const result = (status: CheckStatus, problems: readonly string[]): CheckResult => {
        const masked = problems.map((problem) => maskCanaries(problem, forms));
        return {
          id,
          title: check.title,
          status,
          reason: masked.join('\n'),
          problems: masked,
          durationMs: Math.round(performance.now() - started),
        };
      };
      if (kit === undefined) return result('failed', ['the session was not started (call start() first)']);
      try {
        const problems = await check.run(kit);
        return result(problems.length === 0 ? 'passed' : 'failed', problems);
      } catch (error) {
        if (error instanceof SkipCheck) return result('skipped', [error.message]);
        if (error instanceof HarnessProblem) return result('failed', [`harness: ${error.message}`]);
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        return result('failed', [`the check crashed: ${text}`]);
      } finally {
        // A fault left behind by a failing check must not break the next one (a failing clear is the next
        // check's problem to report, not a reason for this result to be lost).
        try {
          if (!kit.isSync) await harness.jobs?.clearFaults();
        } catch {
          // reported by whichever check next depends on the backend
        }
      }
    },

    async stop() {
      const running = kit;
      kit = undefined;
      try {
        await running?.service.stop();
      } finally {
        if (harnessStarted) {
          harnessStarted = false;
          await harness.stop();
        }
      }
    },
  };
}

/**
 * Runs the selected acceptance checks against the harness's connector and returns one result per check (never
 * throws for a failing check; throws only when the backend or the service cannot start).
 */
export async function runAcceptanceChecks(options: AcceptanceOptions): Promise<CheckResult[]> {
  const session = createAcceptanceSession(options);
  try {
    await session.start();
    const results: CheckResult[] = [];
    for (const check of session.checks) results.push(await session.run(check.id));
    return results;
  } finally {
    await session.stop();
  }
}
