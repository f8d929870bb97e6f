import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { Resource } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { phaseFromNumber, type TaskPhase } from '../phase.js';

/** The protocol family a resource came from; in-process calls use the Flyte 2 shapes and rules. */
export type ClientFamily = 'v1' | 'v2' | 'in-process';

/** Phases that end a task attempt. */
export type FinalPhase = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'RETRYABLE_FAILED';

/** What a GetTask answer says about the task: a phase, or a problem that Flyte treats as a system error. */
export type PhaseReading =
  | {
      /** The answer carries a phase Flyte can read. */
      readonly ok: true;
      /** That phase. */
      readonly phase: TaskPhase;
    }
  | {
      /** The answer carries no readable phase. */
      readonly ok: false;
      /** Why, as Flyte's system error would say it. */
      readonly problem: string;
    };

/**
 * Phases after which the Go clients' auto-refresh cache stops re-polling a task
 * (`ResourceWrapper.IsTerminal`): SUCCEEDED, FAILED, ABORTED, and for Flyte 2 also RETRYABLE_FAILED.
 *
 * Flyte 1 keeps refreshing a RETRYABLE_FAILED task, but its status mapping (`Plugin.Status`) already turns that
 * phase into a retryable failure, which ends the attempt and finalizes the task. The outcome is the same in both
 * families, so the engine ends a task on every {@link isFinalPhase} phase; this function documents the difference.
 */
export function stopsPolling(phase: TaskPhase, family: ClientFamily): boolean {
  if (phase === 'SUCCEEDED' || phase === 'FAILED' || phase === 'ABORTED') return true;
  return phase === 'RETRYABLE_FAILED' && family !== 'v1';
}

/** Whether the status mapping ends the task attempt on this phase (in both families). */
export function isFinalPhase(phase: TaskPhase): phase is FinalPhase {
  return phase === 'SUCCEEDED' || phase === 'FAILED' || phase === 'ABORTED' || phase === 'RETRYABLE_FAILED';
}

/** `flyteidl.admin.State` (deprecated Flyte 1 field 1 of Resource) and the phase Flyte 1's Status gives it. */
const V1_STATE_PHASES: ReadonlyMap<number, TaskPhase> = new Map<number, TaskPhase>([
  [0, 'RETRYABLE_FAILED'], // RETRYABLE_FAILURE: also what an absent state reads as
  [1, 'FAILED'], // PERMANENT_FAILURE
  [2, 'INITIALIZING'], // PENDING
  [3, 'RUNNING'], // RUNNING
  [4, 'SUCCEEDED'], // SUCCEEDED
]);

/**
 * Reads the phase of a GetTask answer the way the Go clients' status mapping does.
 *
 * - A known phase is taken as is.
 * - UNDEFINED (0): Flyte 2 treats it as a system error. Flyte 1 falls back to the deprecated `state` field, whose
 *   zero value means RETRYABLE_FAILURE (so a Flyte 1 server that sets neither fails the attempt retryably). The
 *   Flyte 1 client converts resources to the Flyte 2 shape by a binary round trip, so `state` survives there as
 *   unknown field 1.
 * - Any other number is a system error ("unknown execution phase").
 */
export function readPhase(resource: Resource, family: ClientFamily): PhaseReading {
  const number = resource.phase as number;
  const phase = phaseFromNumber(number);
  if (phase !== undefined) return { ok: true, phase };
  if (number !== 0) return { ok: false, problem: `unknown execution phase [${number}]` };
  if (family !== 'v1') {
    return {
      ok: false,
      problem: 'the connector answered phase UNDEFINED, which Flyte 2 treats as a system error',
    };
  }
  const state = v1State(resource);
  const fromState = V1_STATE_PHASES.get(state);
  return fromState === undefined
    ? { ok: false, problem: `unknown execution state [${state}]` }
    : { ok: true, phase: fromState };
}

/** The deprecated Flyte 1 `Resource.state` (field 1, an enum), kept by the round trip as an unknown field. */
function v1State(resource: Resource): number {
  let state = 0;
  for (const field of resource.$unknown ?? []) {
    if (field.no === 1 && field.wireType === WireType.Varint) state = new BinaryReader(field.data).int32();
  }
  return state;
}
