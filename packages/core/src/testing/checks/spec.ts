import { formatTaskCategory, taskCategoriesOf } from '../../connector.js';
import { describeSource } from '../../spec/resolve.js';
import type { ParamSource, ParamSpec } from '../../spec/types.js';
import type { Kit } from '../kit.js';
import type { AcceptanceCheck } from './check.js';

/** Names (of parameters or of the keys they are read from) that suggest a credential. */
const CREDENTIAL_NAME = /token|key|secret|password|passphrase|credential/i;

/** Sources that only ever hold credentials. */
const SECRET_SOURCES: ReadonlySet<ParamSource['from']> = new Set(['connection.secret', 'server-secret']);

export const specCheck: AcceptanceCheck = {
  id: 'spec',
  title: 'the spec names and describes everything, flags credentials secret, and is listed in both families',
  async run(kit) {
    return [...specProblems(kit), ...(await listingProblems(kit))];
  },
};

function specProblems(kit: Kit): string[] {
  const problems: string[] = [];
  const connector = kit.connector;
  if (connector.name.trim() === '') problems.push('the connector has an empty name');
  if (connector.spec.description.trim() === '') problems.push('the connector spec has an empty description');
  const categories = taskCategoriesOf(connector);
  for (const category of categories) {
    if (category.name.trim() === '') problems.push('a task category has an empty name');
    if (!Number.isSafeInteger(category.version) || category.version < 0)
      problems.push(`task category '${category.name}' has version ${category.version}; use an integer ≥ 0`);
  }
  if (!categories.some((c) => c.name === kit.category.name && c.version === kit.category.version)) {
    problems.push(
      `harness: the task routes to ${formatTaskCategory(kit.category)}, which the connector does not serve ` +
        `(it serves ${categories.map(formatTaskCategory).join(', ')})`,
    );
  }
  for (const [name, param] of Object.entries(connector.spec.params)) {
    if (param.description.trim() === '') problems.push(`parameter '${name}' has an empty description`);
    if (param.sources.length === 0)
      problems.push(`parameter '${name}' has no sources, so it can never be given a value`);
    const secretProblem = unflaggedSecret(name, param, kit.options.notSecret);
    if (secretProblem !== undefined) problems.push(secretProblem);
  }
  return problems;
}

/** Why a parameter that holds a credential should be `secret: true`, or undefined when it is (or is not one). */
function unflaggedSecret(name: string, param: ParamSpec, notSecret: ReadonlySet<string>): string | undefined {
  if (param.secret === true || notSecret.has(name)) return undefined;
  const consequence =
    'so core neither redacts its value from log lines and error messages nor refuses it in resource_meta';
  const secretSources = param.sources.filter((source) => SECRET_SOURCES.has(source.from));
  if (secretSources.length > 0) {
    return (
      `parameter '${name}' is read from ${secretSources.map(describeSource).join(' and ')} but is not ` +
      `\`secret: true\`, ${consequence}`
    );
  }
  const credentialLike = [name, ...param.sources.map(sourceName)].find((text) => CREDENTIAL_NAME.test(text));
  if (credentialLike === undefined) return undefined;
  return (
    `parameter '${name}' looks like a credential ('${credentialLike}') but is not \`secret: true\`, ` +
    `${consequence} (list it in \`notSecret\` if it is not a credential)`
  );
}

function sourceName(source: ParamSource): string {
  switch (source.from) {
    case 'custom':
      return source.path;
    case 'env':
      return source.name;
    default:
      return source.key;
  }
}

/** ListAgents / ListConnectors are what Flyte calls first; the connector must be listed with all its categories. */
async function listingProblems(kit: Kit): Promise<string[]> {
  const problems: string[] = [];
  const expected = taskCategoriesOf(kit.connector);
  for (const family of kit.families) {
    const listed = await kit.service.clients[family].list().then(
      (value) => value,
      (error: unknown) => {
        problems.push(`[${family}] listing connectors failed: ${String(error)}`);
        return undefined;
      },
    );
    if (listed === undefined) continue;
    const entry = listed.find((connector) => connector.name === kit.connector.name);
    if (entry === undefined) {
      problems.push(`[${family}] the connector '${kit.connector.name}' is not listed`);
      continue;
    }
    for (const category of expected) {
      if (!entry.categories.some((c) => c.name === category.name && c.version === category.version))
        problems.push(`[${family}] task category ${formatTaskCategory(category)} is not listed`);
    }
  }
  return problems;
}
