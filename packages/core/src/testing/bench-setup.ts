import type { TaskEngine, TaskEngineEvents } from '../engine/index.js';

/** How the set-up of a polling benchmark went. */
export interface RunningSetUp {
  /** CreateTasks submitted again because they missed their deadline. */
  readonly createRetries: number;
  /** From the first submission until every task was RUNNING. */
  readonly seconds: number;
}

/**
 * The set-up of the connector packages' polling benchmarks: submits `count` tasks (`submit(i)` for i in 0..count-1)
 * and waits until all of them are RUNNING. The figures are about polling, so a CreateTask that missed its deadline
 * on a loaded machine (RETRYABLE_FAILED, reason `create-failed`) is submitted again (`submit(retryNumber)`, at most
 * `count` times) and counted; any other end of a task fails the set-up.
 */
export async function submitUntilRunning(
  engine: TaskEngine,
  count: number,
  submit: (index: number) => void,
): Promise<RunningSetUp> {
  let createRetries = 0;
  let fatal: string | undefined;
  const onDone = (...[task, final]: TaskEngineEvents['done']) => {
    if (final.reason === 'create-failed' && final.phase === 'RETRYABLE_FAILED' && createRetries < count) {
      createRetries += 1;
      submit(createRetries);
    } else fatal ??= `${task.id} ended ${final.phase} (${final.reason}): ${final.message}`;
  };
  engine.on('done', onDone);
  try {
    const started = performance.now();
    for (let i = 0; i < count; i += 1) submit(i);
    while ((engine.stats().byPhase.RUNNING ?? 0) < count) {
      if (fatal !== undefined) throw new Error(`set-up failed: ${fatal}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { createRetries, seconds: (performance.now() - started) / 1000 };
  } finally {
    engine.off('done', onDone);
  }
}
