import type { CheckId } from '../options.js';
import type { Kit } from '../kit.js';

/** One acceptance check: runs against the kit and returns the problems it found (none: passed). */
export interface AcceptanceCheck {
  readonly id: CheckId;
  /** What the check asserts, in one line. */
  readonly title: string;
  /**
   * Returns every problem found, each naming the family and call it was seen on. Throws `SkipCheck` when the
   * check does not apply and `HarnessProblem` when the harness cannot support it.
   */
  run(kit: Kit): Promise<readonly string[]>;
}
