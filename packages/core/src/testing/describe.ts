import type * as Vitest from 'vitest';
import { resolveOptions, type AcceptanceOptions } from './options.js';
import { createAcceptanceSession } from './session.js';

// Vitest is an optional peer dependency: loading it lazily keeps `runAcceptanceChecks` usable from any test
// runner, and only `describeConnectorAcceptance` needs it.
const vitest: typeof Vitest | undefined = await import('vitest').catch(() => undefined);

/**
 * Registers the acceptance kit as a Vitest suite: one `describe` block (named `options.name`) that starts the
 * harness's backend and a real connector service in `beforeAll`, one `it` per check, and stops both in
 * `afterAll`. A failing check fails its test with every problem it found; a check that does not apply to the
 * connector (e.g. job control for a sync connector) is reported as skipped.
 *
 * @example
 * ```ts
 * import { describeConnectorAcceptance } from '@org/connector-core/testing';
 * describeConnectorAcceptance({ name: 'BigQuery connector', harness: bigQueryHarness() });
 * ```
 */
export function describeConnectorAcceptance(options: AcceptanceOptions): void {
  if (vitest === undefined) {
    throw new Error(
      'describeConnectorAcceptance needs Vitest, an optional peer dependency of @org/connector-core: install ' +
        'it as a dev dependency, or call runAcceptanceChecks() from your own test runner.',
    );
  }
  const { afterAll, beforeAll, describe, it } = vitest;
  const resolved = resolveOptions(options);
  const session = createAcceptanceSession(options);
  describe(resolved.name, () => {
    beforeAll(() => session.start(), resolved.testTimeoutMs);
    afterAll(() => session.stop(), resolved.testTimeoutMs);
    for (const check of session.checks) {
      it(
        `${check.id}: ${check.title}`,
        async (context) => {
          const result = await session.run(check.id);
          if (result.status === 'skipped') context.skip(result.reason);
          else if (result.status === 'failed') throw new AcceptanceCheckFailure(result.reason);
        },
        resolved.testTimeoutMs,
      );
    }
  });
}

/** A failed acceptance check, as the test runner reports it: the message lists every problem found. */
export class AcceptanceCheckFailure extends Error {
  /** The error's name, as test runners print it. */
  override readonly name = 'AcceptanceCheckFailure';
}
