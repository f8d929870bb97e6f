import type { ProtocolFamily } from '../../connector.js';
import { canaryForms, findLeaks } from '../canary.js';
import type { CreatedTask, Kit, ResourceView } from '../kit.js';
import type { AcceptanceCheck } from './check.js';
import { describeView } from './drive.js';

export const resourceMetaCheck: AcceptanceCheck = {
  id: 'resource-meta',
  title: 'resource_meta is small, holds no secret, and the same bytes serve GetTask in both families',
  async run(kit) {
    const problems: string[] = [];
    for (const family of kit.families) {
      const created = await kit.create(family);
      if (!created.ok) {
        problems.push(created.problem);
        continue;
      }
      const task = created.value;
      const bytes = task.reference.resourceMeta;
      // A sync connector's resource_meta carries its finished resource (outputs included) by core's design, so
      // only what an async connector chooses to keep is held to the limit.
      if (!kit.isSync && bytes.length > kit.options.maxResourceMetaBytes)
        problems.push(
          `[${family}] resource_meta is ${bytes.length} bytes (limit ${kit.options.maxResourceMetaBytes}): Flyte ` +
            'persists it for every task; keep ids in it and fetch the rest from the backend',
        );
      const text = Buffer.from(bytes).toString('utf8');
      for (const leak of findLeaks(text, 'resource_meta', canaryForms(kit.harness.canarySecrets())))
        problems.push(`[${family}] resource_meta contains a secret: ${leak.excerpt}`);
      problems.push(...(await crossFamilyProblems(kit, task, 'right after CreateTask')));
      if (!kit.isSync) {
        await kit.jobs().run(kit.jobId(task));
        problems.push(...(await crossFamilyProblems(kit, task, 'while the job runs')));
      }
      await kit.delete(task);
    }
    return problems;
  },
};

/** Replicas and client generations must be interchangeable: the same bytes, any family, the same answer. */
async function crossFamilyProblems(kit: Kit, task: CreatedTask, when: string): Promise<string[]> {
  const problems: string[] = [];
  const views = new Map<ProtocolFamily, ResourceView>();
  for (const family of kit.families) {
    const view = await kit.get(task, family);
    if (!view.ok) problems.push(`${view.problem} (GetTask ${when}, task created on ${task.family})`);
    else views.set(family, view.value);
  }
  if (new Set([...views.values()].map((view) => view.phase)).size > 1)
    problems.push(
      `GetTask ${when} with the same resource_meta answered differently per family: ` +
        [...views].map(([family, view]) => `${family} ${describeView(view)}`).join(', '),
    );
  return problems;
}
