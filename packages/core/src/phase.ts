/** Task execution phases, as `flyteidl(2).core.TaskExecution.Phase` names them (identical in Flyte 1 and 2). */
export const TASK_PHASES = [
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'ABORTED',
  'FAILED',
  'INITIALIZING',
  'WAITING_FOR_RESOURCES',
  'RETRYABLE_FAILED',
] as const;

/** A phase a connector may report. UNDEFINED is deliberately absent: clients treat it as an error. */
export type TaskPhase = (typeof TASK_PHASES)[number];

/** Wire numbers of the phases. */
export const PHASE_NUMBERS: Readonly<Record<TaskPhase, number>> = {
  QUEUED: 1,
  RUNNING: 2,
  SUCCEEDED: 3,
  ABORTED: 4,
  FAILED: 5,
  INITIALIZING: 6,
  WAITING_FOR_RESOURCES: 7,
  RETRYABLE_FAILED: 8,
};

const PHASE_BY_NUMBER = new Map<number, TaskPhase>(
  Object.entries(PHASE_NUMBERS).map(([name, number]) => [number, name as TaskPhase]),
);

export function phaseFromNumber(value: number): TaskPhase | undefined {
  return PHASE_BY_NUMBER.get(value);
}

/** Phases after which a Flyte client stops polling (the union of the Flyte 1 and Flyte 2 terminal sets). */
export function isTerminalPhase(phase: TaskPhase): boolean {
  return phase === 'SUCCEEDED' || phase === 'FAILED' || phase === 'ABORTED' || phase === 'RETRYABLE_FAILED';
}

/** Whether a value is one of the {@link TASK_PHASES}. */
export function isTaskPhase(value: unknown): value is TaskPhase {
  return typeof value === 'string' && (TASK_PHASES as readonly string[]).includes(value);
}
