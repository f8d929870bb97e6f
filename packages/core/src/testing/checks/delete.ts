import type { ProtocolFamily } from '../../connector.js';
import { encodeEnvelope } from '../../service/envelope.js';
import type { Kit } from '../kit.js';
import type { AcceptanceCheck } from './check.js';
import { finishJob } from './drive.js';

export const deleteRunningCheck: AcceptanceCheck = {
  id: 'delete-running',
  title: 'DeleteTask of a running job cancels it on the backend',
  async run(kit) {
    const jobs = kit.jobs();
    const problems: string[] = [];
    for (const family of kit.families) {
      const created = await kit.create(family);
      if (!created.ok) {
        problems.push(created.problem);
        continue;
      }
      const id = kit.jobId(created.value);
      await jobs.run(id);
      const deleted = await kit.delete(created.value);
      if (!deleted.ok) {
        problems.push(`${deleted.problem} (DeleteTask of a running job)`);
        continue;
      }
      if (!(await jobs.cancelledJobs()).includes(id))
        problems.push(
          `[${family}] DeleteTask of running job '${id}' succeeded but the backend received no cancel for it: ` +
            'Flyte calls DeleteTask on abort and timeout, and the job would keep running (and billing)',
        );
    }
    return problems;
  },
};

export const deleteFinishedCheck: AcceptanceCheck = {
  id: 'delete-finished',
  title: 'DeleteTask of a finished, unknown or already deleted job succeeds',
  async run(kit) {
    kit.jobs();
    const problems: string[] = [];
    for (const family of kit.families) problems.push(...(await finishedProblems(kit, family)));
    return problems;
  },
};

async function finishedProblems(kit: Kit, family: ProtocolFamily): Promise<string[]> {
  const problems: string[] = [];
  const finished = await finishJob(kit, family, 'succeed');
  if (!finished.ok) return [finished.problem];
  const { task } = finished.job;
  const afterFinish = await kit.delete(task);
  if (!afterFinish.ok) problems.push(`${afterFinish.problem} (DeleteTask of a SUCCEEDED job)`);

  const created = await kit.create(family);
  if (!created.ok) return [...problems, created.problem];
  await kit.jobs().run(kit.jobId(created.value));
  const first = await kit.delete(created.value);
  if (!first.ok) problems.push(`${first.problem} (DeleteTask of a running job)`);
  const again = await kit.delete(created.value);
  if (!again.ok) problems.push(`${again.problem} (DeleteTask of an already deleted job)`);

  // The same envelope core would write, around the metadata of a job the backend never created.
  const unknownMeta = kit.jobs().unknownJobMeta(task.meta);
  const reference = {
    ...task.reference,
    resourceMeta: encodeEnvelope(unknownMeta, task.input.template.interface?.outputs?.variables ?? []),
  };
  const unknown = await kit.delete(task, family, reference);
  if (!unknown.ok) problems.push(`${unknown.problem} (DeleteTask of a job the backend does not know)`);
  return problems;
}
