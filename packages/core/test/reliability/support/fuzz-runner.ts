// Runs fuzz cases against the running service and judges every reply: a gRPC status whose code fits a caller
// mistake, within the deadline. Shared by the short CI test and the long run.
import { status } from '@grpc/grpc-js';
import { caseMessages, describeCase, type FuzzCase, type MutationLimits, DEFAULT_LIMITS } from './mutate.js';
import { StatusName, type RawChannel, type RawOutcome } from './raw-grpc.js';
import type { FuzzTarget } from './seeds.js';
import { decodeFields } from './wire.js';

/** Codes that describe a caller's mistake (or success: a mutation may leave a request valid). */
export const ACCEPTABLE_CODES: ReadonlySet<number> = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.RESOURCE_EXHAUSTED,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.UNIMPLEMENTED,
]);

export interface CaseResult {
  readonly target: string;
  readonly description: string;
  readonly outcome: RawOutcome;
  readonly acceptable: boolean;
}

export interface FuzzStats {
  cases: number;
  readonly byCode: Record<string, number>;
  readonly byTarget: Record<string, number>;
  readonly failures: { target: string; description: string; code: string; details: string }[];
  slowestMs: number;
}

export function emptyStats(): FuzzStats {
  return { cases: 0, byCode: {}, byTarget: {}, failures: [], slowestMs: 0 };
}

export async function runCase(
  channel: RawChannel,
  targets: readonly FuzzTarget[],
  c: FuzzCase,
  options: { deadlineMs: number; limits?: MutationLimits },
): Promise<CaseResult> {
  const target = targets[c.target % targets.length]!;
  const messages = caseMessages(c, target.seeds, options.limits ?? DEFAULT_LIMITS);
  const outcome = await channel.call(target.kind, target.path, messages, { deadlineMs: options.deadlineMs });
  return {
    target: target.name,
    description: describeCase(c),
    outcome,
    acceptable: ACCEPTABLE_CODES.has(outcome.code),
  };
}

export function record(stats: FuzzStats, result: CaseResult): void {
  stats.cases += 1;
  const code = StatusName[result.outcome.code] ?? String(result.outcome.code);
  stats.byCode[code] = (stats.byCode[code] ?? 0) + 1;
  stats.byTarget[result.target] = (stats.byTarget[result.target] ?? 0) + 1;
  stats.slowestMs = Math.max(stats.slowestMs, result.outcome.ms);
  if (!result.acceptable && stats.failures.length < 50) {
    stats.failures.push({
      target: result.target,
      description: result.description,
      code,
      details: result.outcome.details.slice(0, 300),
    });
  }
}

/** grpc.health.v1.Health/Check for the whole server, decoded by hand: status=1, SERVING=1. */
export async function healthStatus(channel: RawChannel): Promise<string> {
  const outcome = await channel.call('unary', '/grpc.health.v1.Health/Check', [new Uint8Array()], {
    deadlineMs: 5_000,
  });
  if (outcome.code !== status.OK) return `error ${StatusName[outcome.code]}: ${outcome.details}`;
  const fields = decodeFields(outcome.responses[0] ?? new Uint8Array()) ?? [];
  const value = fields.find((f) => f.field === 1)?.value;
  return value === 1n ? 'SERVING' : `status ${String(value)}`;
}

/** Resident set size of a process in MiB (Linux /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

/** Open file descriptors of a process (Linux /proc). */
export async function openFds(pid: number): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(`/proc/${pid}/fd`)).length;
}
