import { randomUUID } from 'node:crypto';
import type { ProtocolFamily } from '../../connector.js';
import type { TaskPhase } from '../../phase.js';
import type { CreatedTask, Kit, ResourceView } from '../kit.js';

/** How the kit ends a job: success, or failure with a distinctive message the user must get to see. */
export type JobEnd = 'succeed' | 'fail';

/** A job the kit created and drove to a terminal phase. */
export interface FinishedJob {
  readonly task: CreatedTask;
  readonly final: ResourceView;
  /** The message the backend failed the job with (for `fail`). */
  readonly failure: string;
}

/** A message the backend fails a job with; distinctive, so that the kit can find it in the resource. */
export function failureMessage(): string {
  return `acceptance-kit simulated failure ${randomUUID().slice(0, 8)}`;
}

/**
 * Creates a task, lets its job run and ends it as asked, then polls GetTask to a terminal phase. A sync connector's
 * work ends within CreateTask, so only `succeed` applies to it. Returns a problem description on any failure.
 */
export async function finishJob(
  kit: Kit,
  family: ProtocolFamily,
  end: JobEnd,
): Promise<{ ok: true; job: FinishedJob } | { ok: false; problem: string }> {
  const created = await kit.create(family);
  if (!created.ok) return { ok: false, problem: created.problem };
  const task = created.value;
  const failure = failureMessage();
  if (!kit.isSync) {
    const jobs = kit.jobs();
    const id = kit.jobId(task);
    await jobs.run(id);
    if (end === 'succeed') await jobs.succeed(id);
    else await jobs.fail(id, failure);
  }
  const final = await kit.pollTerminal(task);
  if (!final.ok) return { ok: false, problem: final.problem };
  return { ok: true, job: { task, final: final.value, failure } };
}

/** A phase and message for a problem description. */
export function describeView(view: ResourceView): string {
  return `${view.phase ?? 'UNDEFINED'}${view.message === '' ? '' : ` ('${view.message}')`}`;
}

export function isNonTerminal(phase: TaskPhase | undefined): phase is TaskPhase {
  return (
    phase === 'QUEUED' || phase === 'RUNNING' || phase === 'INITIALIZING' || phase === 'WAITING_FOR_RESOURCES'
  );
}
