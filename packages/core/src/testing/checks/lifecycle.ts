import type { ProtocolFamily } from '../../connector.js';
import { literalMismatch } from '../literal-kinds.js';
import type { CreatedTask, Kit, ResourceView } from '../kit.js';
import type { AcceptanceCheck } from './check.js';
import { describeView, finishJob, isNonTerminal, type JobEnd } from './drive.js';

export const lifecycleSucceededCheck: AcceptanceCheck = {
  id: 'lifecycle-succeeded',
  title: 'create → get (queued, running) → SUCCEEDED with every declared output',
  async run(kit) {
    const problems: string[] = [];
    for (const family of kit.families) problems.push(...(await succeededProblems(kit, family)));
    return problems;
  },
};

async function succeededProblems(kit: Kit, family: ProtocolFamily): Promise<string[]> {
  const created = await kit.create(family);
  if (!created.ok) return [created.problem];
  const task = created.value;
  if (!kit.isSync) {
    const jobs = kit.jobs();
    const id = kit.jobId(task);
    const queued = await expectNonTerminal(kit, task, 'right after CreateTask (the job is queued)');
    if (queued !== undefined) return [queued];
    await jobs.run(id);
    const running = await expectNonTerminal(kit, task, 'while the backend reports the job running');
    if (running !== undefined) return [running];
    await jobs.succeed(id);
  }
  const final = await kit.pollTerminal(task);
  if (!final.ok) return [final.problem];
  if (final.value.phase !== 'SUCCEEDED')
    return [`[${family}] GetTask after the job succeeded answered ${describeView(final.value)}`];
  return outputProblems(kit, task, final.value);
}

async function expectNonTerminal(kit: Kit, task: CreatedTask, when: string): Promise<string | undefined> {
  const view = await kit.get(task);
  if (!view.ok) return view.problem;
  if (isNonTerminal(view.value.phase)) return undefined;
  return `[${task.family}] GetTask ${when} answered ${describeView(view.value)}; expected a non-terminal phase`;
}

/** Every declared output present (unless the job writes them itself), each a literal of its declared kind. */
function outputProblems(kit: Kit, task: CreatedTask, view: ResourceView): string[] {
  const problems: string[] = [];
  for (const variable of task.input.template.interface?.outputs?.variables ?? []) {
    const type = variable.value?.type;
    const literal = view.outputs?.find((output) => output.name === variable.key)?.value;
    if (literal === undefined) {
      if (!kit.options.writesOutputsItself)
        problems.push(
          `[${task.family}] SUCCEEDED without the declared output '${variable.key}' (set writesOutputsItself ` +
            'if the job writes outputs.pb under the output prefix itself)',
        );
      continue;
    }
    const mismatch = type === undefined ? undefined : literalMismatch(literal, type);
    if (mismatch !== undefined) problems.push(`[${task.family}] output '${variable.key}': ${mismatch}`);
  }
  return problems;
}

export const lifecycleFailedCheck: AcceptanceCheck = {
  id: 'lifecycle-failed',
  title: 'a job the backend fails is FAILED (or RETRYABLE_FAILED) with the backend’s message',
  async run(kit) {
    kit.jobs();
    const problems: string[] = [];
    for (const family of kit.families) {
      const finished = await finishJob(kit, family, 'fail');
      if (!finished.ok) {
        problems.push(finished.problem);
        continue;
      }
      const { final, failure } = finished.job;
      if (final.phase !== 'FAILED' && final.phase !== 'RETRYABLE_FAILED')
        problems.push(`[${family}] GetTask after the job failed answered ${describeView(final)}`);
      else if (!final.message.includes(failure))
        problems.push(
          `[${family}] the ${final.phase} resource does not carry the backend's error ('${failure}'), so the ` +
            `user cannot tell why the task failed; message: '${final.message}'`,
        );
    }
    return problems;
  },
};

/** How often the kit repeats GetTask after a terminal phase, per family. */
const REPEATED_GETS = 3;

export const terminalStableCheck: AcceptanceCheck = {
  id: 'terminal-stable',
  title: 'GetTask after a terminal phase keeps answering it, in both families',
  async run(kit) {
    const problems: string[] = [];
    const ends: readonly JobEnd[] = kit.isSync ? ['succeed'] : ['succeed', 'fail'];
    for (const family of kit.families) {
      for (const end of ends) {
        const finished = await finishJob(kit, family, end);
        if (!finished.ok) {
          problems.push(finished.problem);
          continue;
        }
        const { task, final } = finished.job;
        problems.push(...(await repeatedGetProblems(kit, task, final)));
      }
    }
    return problems;
  },
};

async function repeatedGetProblems(kit: Kit, task: CreatedTask, final: ResourceView): Promise<string[]> {
  for (let round = 1; round <= REPEATED_GETS; round += 1) {
    for (const family of kit.families) {
      const view = await kit.get(task, family);
      if (!view.ok) return [`${view.problem} (GetTask #${round} after ${final.phase ?? 'UNDEFINED'})`];
      if (view.value.phase !== final.phase)
        return [
          `[${family}] GetTask #${round} after ${final.phase ?? 'UNDEFINED'} answered ` +
            `${describeView(view.value)}; a terminal phase must stay terminal (task created on ${task.family})`,
        ];
    }
  }
  return [];
}
