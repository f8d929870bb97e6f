import type { ProtocolFamily } from '../../connector.js';
import { TRANSIENT_FAULTS, type TransientFault } from '../harness.js';
import type { CreatedTask, Kit } from '../kit.js';
import type { AcceptanceCheck } from './check.js';
import { describeView, isNonTerminal } from './drive.js';

export const unknownStateCheck: AcceptanceCheck = {
  id: 'unknown-state',
  title: 'a backend state the connector does not know gives a non-terminal phase with a message',
  async run(kit) {
    const jobs = kit.jobs();
    const problems: string[] = [];
    for (const family of kit.families) {
      const task = await runningTask(kit, family);
      if (typeof task === 'string') {
        problems.push(task);
        continue;
      }
      await jobs.setUnknownState(kit.jobId(task));
      const view = await kit.get(task);
      if (!view.ok)
        problems.push(
          `${view.problem} (GetTask of a job in a state the connector does not know; the Python connectors ` +
            'crash the same way: report a non-terminal phase with a message naming the state instead)',
        );
      else if (!isNonTerminal(view.value.phase))
        problems.push(
          `[${family}] GetTask of a job in an unknown backend state answered ${describeView(view.value)}; ` +
            'expected a non-terminal phase (Flyte keeps polling; the task timeout still applies)',
        );
      else if (view.value.message.trim() === '')
        problems.push(
          `[${family}] GetTask of a job in an unknown backend state answered ${view.value.phase} without a ` +
            'message; name the state so that users and operators can see what the backend said',
        );
      await kit.delete(task);
    }
    return problems;
  },
};

export const transientGetCheck: AcceptanceCheck = {
  id: 'transient-get',
  title:
    'a transient backend failure (5xx, timeout, reset) during GetTask gives a running phase with a message',
  async run(kit) {
    const jobs = kit.jobs();
    const problems: string[] = [];
    for (const family of kit.families) {
      const task = await runningTask(kit, family);
      if (typeof task === 'string') {
        problems.push(task);
        continue;
      }
      for (const fault of TRANSIENT_FAULTS) {
        await jobs.injectFault(fault, Number.POSITIVE_INFINITY);
        let problem: string | undefined;
        try {
          problem = await duringFault(kit, task, fault);
        } finally {
          await jobs.clearFaults();
        }
        if (problem !== undefined) problems.push(problem);
        const after = await kit.get(task);
        if (!after.ok) problems.push(`${after.problem} (GetTask after the ${fault} ended)`);
        else if (!isNonTerminal(after.value.phase))
          problems.push(
            `[${family}] GetTask after the ${fault} ended answered ${describeView(after.value)}; the job is ` +
              'still running',
          );
      }
      await kit.delete(task);
    }
    return problems;
  },
};

async function duringFault(kit: Kit, task: CreatedTask, fault: TransientFault): Promise<string | undefined> {
  const family = task.family;
  const view = await kit.get(task);
  if (!view.ok) {
    const hint =
      view.kind === 'DEADLINE_EXCEEDED'
        ? `the connector must give up on the backend well within Flyte's ${kit.options.callTimeoutMs} ms ` +
          'deadline (a request timeout) and report RUNNING'
        : 'Flyte counts every GetTask error toward a budget of 5 per attempt; throw BackendUnavailableError ' +
          '(core reports RUNNING with a message) or return a running phase';
    return `${view.problem} (GetTask during a backend ${fault}): ${hint}`;
  }
  if (!isNonTerminal(view.value.phase))
    return (
      `[${family}] GetTask during a backend ${fault} answered ${describeView(view.value)}; a transient ` +
      'failure must not end the task: report a running phase and let Flyte poll again'
    );
  if (view.value.message.trim() === '')
    return `[${family}] GetTask during a backend ${fault} answered ${view.value.phase} without a message`;
  return undefined;
}

/** A task whose job the backend reports running, or a problem description. */
async function runningTask(kit: Kit, family: ProtocolFamily): Promise<CreatedTask | string> {
  const created = await kit.create(family);
  if (!created.ok) return created.problem;
  await kit.jobs().run(kit.jobId(created.value));
  return created.value;
}
