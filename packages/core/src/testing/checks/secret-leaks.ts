import { canaryForms, findLeaks, type Leak } from '../canary.js';
import type { CreatedTask, Kit } from '../kit.js';
import type { AcceptanceCheck } from './check.js';
import { failureMessage } from './drive.js';

/** Canaries shorter than this could match by chance, and core's redactor ignores values under 4 characters. */
const MIN_CANARY_LENGTH = 8;
/** More leaks than this are summarised: the first ones show the pattern. */
const MAX_REPORTED = 8;

export const secretLeaksCheck: AcceptanceCheck = {
  id: 'secret-leaks',
  title:
    'no secret (nor its base64, URL-encoded, hex or reversed form) reaches logs, errors, resources or metrics',
  async run(kit) {
    const canaries = kit.harness.canarySecrets();
    if (canaries.length === 0)
      return ['harness: canarySecrets() lists no secret values, so there is nothing to look for'];
    const problems = canaryProblems(kit, canaries);
    if (problems.length > 0) return problems;
    await exerciseEveryPath(kit);
    kit.record('metrics', await kit.service.metricsText());
    const forms = canaryForms(canaries);
    const leaks: Leak[] = [
      ...kit.logs.lines.flatMap((line) => findLeaks(line, 'a log line', forms)),
      ...kit.recorded.flatMap((entry) => findLeaks(entry.text, entry.where, forms)),
    ];
    // The same leak tends to repeat on every call: report each kind of leak once, with how often it occurred.
    const groups = new Map<string, { readonly leak: Leak; count: number }>();
    for (const leak of leaks) {
      const key = JSON.stringify([leak.where, leak.form.canary, leak.form.label]);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { leak, count: 1 });
      else group.count += 1;
    }
    const reported = [...groups.values()]
      .slice(0, MAX_REPORTED)
      .map(
        ({ leak, count }) =>
          `secret found (${leak.form.label}) in ${leak.where}${count > 1 ? ` (${count} times)` : ''}: ${leak.excerpt}`,
      );
    if (groups.size > MAX_REPORTED) reported.push(`… and ${groups.size - MAX_REPORTED} more kinds of leak`);
    return reported;
  },
};

/** Each canary must be long enough and actually handed to the service, or finding none proves nothing. */
function canaryProblems(kit: Kit, canaries: readonly string[]): string[] {
  const task = kit.harness.task();
  const supplied = [
    ...Object.values(task.connection?.secrets ?? {}),
    ...Object.values(task.connection?.configs ?? {}),
    ...Object.values(kit.harness.serverSecrets?.() ?? {}),
    ...Object.values(kit.harness.env?.() ?? {}),
  ].join('\n');
  const problems: string[] = [];
  canaries.forEach((canary, index) => {
    if (canary.length < MIN_CANARY_LENGTH)
      problems.push(`harness: canary #${index + 1} is shorter than ${MIN_CANARY_LENGTH} characters`);
    else if (!supplied.includes(canary))
      problems.push(
        `harness: canary #${index + 1} is not among the connection secrets, server secrets or env the harness ` +
          'supplies, so the connector never sees it',
      );
  });
  return problems;
}

/**
 * Walks the paths where connectors tend to leak (create, get, running, a backend fault, success, failure,
 * delete, a refused create), so that the check finds leaks on its own; the texts every earlier check recorded are
 * scanned too. Failures are expected on some paths and only feed the scan.
 */
async function exerciseEveryPath(kit: Kit): Promise<void> {
  for (const family of kit.families) {
    // Without the template's settings and the connection, a create is usually refused: error paths leak most.
    const bare = kit.templateCopy();
    bare.custom = {};
    bare.config = {};
    const refused = await kit.create(family, kit.newInput({ template: bare, connection: undefined }));
    if (refused.ok) await kit.delete(refused.value);

    const created = await kit.create(family);
    if (!created.ok) continue;
    const task = created.value;
    await kit.get(task);
    if (kit.isSync) {
      await kit.delete(task);
      continue;
    }
    const jobs = kit.jobs();
    await jobs.run(kit.jobId(task));
    await kit.get(task);
    await withFault(kit, task);
    await jobs.succeed(kit.jobId(task));
    await kit.pollTerminal(task);
    await kit.delete(task);

    const failing = await kit.create(family);
    if (!failing.ok) continue;
    await jobs.fail(kit.jobId(failing.value), failureMessage());
    await kit.pollTerminal(failing.value);
    await kit.delete(failing.value);
  }
}

async function withFault(kit: Kit, task: CreatedTask): Promise<void> {
  const jobs = kit.jobs();
  await jobs.injectFault('http-500', Number.POSITIVE_INFINITY);
  try {
    await kit.get(task);
  } finally {
    await jobs.clearFaults();
  }
}
