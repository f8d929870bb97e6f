import { parseArgs } from 'node:util';

/** What the generator was asked for, validated. */
export interface GeneratorOptions {
  /** The short name: the package is `connector-<name>`, e.g. `acme` or `acme-jobs`. */
  readonly name: string;
  /** Asynchronous (jobs: create/get/delete) or synchronous (the answer within the call). */
  readonly mode: 'async' | 'sync';
  /** `template.type` of the tasks the connector serves. */
  readonly taskType: string;
  /** Whether the connector wraps a REST API (a fetch client and a local HTTP backend for its tests). */
  readonly rest: boolean;
  /** Skip `npm install` (which records the new workspace in package-lock.json). */
  readonly skipInstall: boolean;
}

/** The command line could not be understood; the message says why. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run new-connector -- <name> [--async | --sync] [--task-type <type>] [--rest] [--skip-install]

Scaffolds packages/connector-<name>/ in the shape of the first-party connectors and wires it into the workspace
(root tsconfig.json reference, node_modules/@org/connector-<name> link, npm install for package-lock.json).
The new package builds, lints and passes its tests straight away, and \`flyte-connect list\` shows it.

Arguments:
  <name>              lowercase letters, digits and single dashes, e.g. acme or acme-jobs

Options:
  --async             jobs that run outside the service: create / get / delete (default)
  --sync              work that finishes within the call: do
  --task-type <type>  template.type of the tasks it serves (default: <name>)
  --rest              wraps a REST API: a fetch client, and a local HTTP backend on 127.0.0.1 for the tests.
                      Asynchronous connectors always get one (their tests must drive job states);
                      a synchronous connector without --rest computes its answer in the service.
  --skip-install      do not run npm install (package-lock.json then lacks the new workspace)
  -h, --help          show this help

Example:
  npm run new-connector -- acme --async --task-type acme_query --rest`;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const TASK_TYPE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Parses the generator's command line; `undefined` means help was asked for. */
export function parseOptions(argv: readonly string[]): GeneratorOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        async: { type: 'boolean' },
        sync: { type: 'boolean' },
        'task-type': { type: 'string' },
        rest: { type: 'boolean' },
        'skip-install': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return undefined;
  if (positionals.length !== 1) throw new UsageError('Give exactly one connector name.');
  const name = positionals[0]!.replace(/^connector-/, '');
  if (!NAME.test(name)) {
    throw new UsageError(
      `'${name}' is not a valid connector name: use lowercase letters, digits and single dashes (e.g. acme-jobs).`,
    );
  }
  if (values.async === true && values.sync === true)
    throw new UsageError('Choose --async or --sync, not both.');
  const taskType = values['task-type'] ?? name;
  if (!TASK_TYPE.test(taskType)) {
    throw new UsageError(`'${taskType}' is not a valid task type: use letters, digits, '_', '.' and '-'.`);
  }
  const mode = values.sync === true ? 'sync' : 'async';
  return {
    name,
    mode,
    taskType,
    // An asynchronous connector's tests drive job states on a backend, so it always gets the HTTP one.
    rest: mode === 'async' || values.rest === true,
    skipInstall: values['skip-install'] === true,
  };
}
