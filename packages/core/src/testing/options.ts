import type { ProtocolFamily } from '../connector.js';
import type { AcceptanceHarness } from './harness.js';

/** The checks of the acceptance kit, in the order they run. */
export const CHECK_IDS = [
  'spec',
  'required-params',
  'lifecycle-succeeded',
  'lifecycle-failed',
  'terminal-stable',
  'resource-meta',
  'delete-running',
  'delete-finished',
  'unknown-state',
  'transient-get',
  'idempotent-create',
  'secret-leaks',
] as const;

/** The id of one acceptance check. */
export type CheckId = (typeof CHECK_IDS)[number];

/** How one check ended. */
export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** The outcome of one acceptance check. */
export interface CheckResult {
  /** The check's id. */
  readonly id: CheckId;
  /** What the check asserts, in one line (also the Vitest test name). */
  readonly title: string;
  /** How it ended. */
  readonly status: CheckStatus;
  /** Why the check failed or was skipped: the problems found, one per line. Empty when it passed. */
  readonly reason: string;
  /** Every problem found, each naming the protocol family and call it was seen on. Canary values are masked. */
  readonly problems: readonly string[];
  /** How long the check took, in milliseconds. */
  readonly durationMs: number;
}

/** How to run the acceptance kit against one connector. */
export interface AcceptanceOptions {
  /** The connector's local backend, how to drive it and the task to run. */
  readonly harness: AcceptanceHarness;
  /** Title of the Vitest `describe` block. Default `connector acceptance`. */
  readonly name?: string;
  /** Run only these checks (in the kit's order). Default: all. */
  readonly only?: readonly CheckId[];
  /** Leave these checks out, e.g. while a known gap is being fixed. Default: none. */
  readonly skip?: readonly CheckId[];
  /** The protocol families to exercise. Default both: every real deployment is one or the other. */
  readonly families?: readonly ProtocolFamily[];
  /**
   * Set when the connector's job writes `outputs.pb` under the output prefix itself (as a Databricks job's Flyte
   * entrypoint does), so a SUCCEEDED resource legitimately carries no outputs. Outputs that are returned are still
   * checked against the declared types.
   */
  readonly writesOutputsItself?: boolean;
  /** Parameter names that look like credentials (by name) but are not, e.g. `partition_key`. */
  readonly notSecret?: readonly string[];
  /** Deadline of each gRPC call in ms. Default 10 000, Flyte's default: a connector must answer within it. */
  readonly callTimeoutMs?: number;
  /** How long to poll GetTask for a terminal phase after driving a job, in ms. Default 15 000. */
  readonly terminalTimeoutMs?: number;
  /** Pause between GetTask polls in ms. Default 50. */
  readonly pollIntervalMs?: number;
  /** Largest acceptable resource_meta in bytes. Default 1024: Flyte persists it for every task. */
  readonly maxResourceMetaBytes?: number;
  /** Vitest timeout of each check's test and of the setup hook, in ms. Default 120 000. */
  readonly testTimeoutMs?: number;
}

/** The options with their defaults applied. */
export interface ResolvedOptions {
  readonly harness: AcceptanceHarness;
  readonly name: string;
  readonly checks: readonly CheckId[];
  readonly families: readonly ProtocolFamily[];
  readonly writesOutputsItself: boolean;
  readonly notSecret: ReadonlySet<string>;
  readonly callTimeoutMs: number;
  readonly terminalTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly maxResourceMetaBytes: number;
  readonly testTimeoutMs: number;
}

export function resolveOptions(options: AcceptanceOptions): ResolvedOptions {
  const only = new Set<CheckId>(options.only ?? CHECK_IDS);
  const skip = new Set<CheckId>(options.skip ?? []);
  for (const id of [...only, ...skip]) {
    if (!(CHECK_IDS as readonly string[]).includes(id))
      throw new Error(`Unknown acceptance check '${id}'. Known: ${CHECK_IDS.join(', ')}.`);
  }
  const families = options.families ?? ['v1', 'v2'];
  if (families.length === 0) throw new Error('AcceptanceOptions.families must name at least one family.');
  return {
    harness: options.harness,
    name: options.name ?? 'connector acceptance',
    checks: CHECK_IDS.filter((id) => only.has(id) && !skip.has(id)),
    families,
    writesOutputsItself: options.writesOutputsItself ?? false,
    notSecret: new Set(options.notSecret ?? []),
    callTimeoutMs: options.callTimeoutMs ?? 10_000,
    terminalTimeoutMs: options.terminalTimeoutMs ?? 15_000,
    pollIntervalMs: options.pollIntervalMs ?? 50,
    maxResourceMetaBytes: options.maxResourceMetaBytes ?? 1024,
    testTimeoutMs: options.testTimeoutMs ?? 120_000,
  };
}
