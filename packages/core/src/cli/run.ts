import { readFileSync } from 'node:fs';
import { credentials } from '@grpc/grpc-js';
import { Command, Option, type CommanderError } from 'commander';
import type { Level } from 'pino';
import { taskCategoriesOf, type Connector, type TaskTemplate } from '../connector.js';
import { defaultSearchPaths, discoverConnectorPackages, loadConnectors } from '../discovery/index.js';
import { ConnectorError } from '../errors.js';
import { createLogger } from '../logging.js';
import type { Logger } from '../logger.js';
import { parseInputsText } from '../runner/inputs.js';
import { toJsonValue } from '../runner/json-values.js';
import { ProgressDisplay } from '../runner/progress.js';
import { RUN_EXIT_CODES, runTask, type RunResult, type RunTaskOptions } from '../runner/run-task.js';
import { readTaskFile } from '../runner/task-file.js';
import { secretsNamedByTask } from '../runner/task-secrets.js';
import { collectModules, parseInteger, parseSeconds } from './options.js';

interface RunOptions {
  inputs?: string;
  inputsFile?: string;
  endpoint?: string;
  protocol: 'v1' | 'v2';
  tls?: boolean;
  tlsCa?: string;
  modules?: string[];
  discover: boolean;
  secretsDir: string;
  secretEnv?: string[];
  secretFile?: string[];
  config?: string[];
  outputPrefix?: string;
  pollInterval: number;
  timeout?: number;
  callTimeout: number;
  maxGetFailures: number;
  executionName?: string;
  json?: boolean;
  logLevel: Level;
}

/** A mistake on the command line or in its files: exit 2, nothing created. */
class UsageError extends Error {}

const EXIT_CODES_HELP = `
Task file:
  a serialized flyteidl.core.TaskTemplate (protobuf binary, e.g. from \`pyflyte serialize\`, or proto JSON),
  or a task file in YAML/JSON:
    type: test_job            # the task type (picks the connector)
    version: 0                # task_type_version
    custom: { label: demo }   # template.custom
    inputs: { x: integer }    # declared inputs: integer float string boolean datetime duration none
    outputs: { result: integer }  #   binary struct file directory structured_dataset list<T> map<T> optional<T> ...

Inputs are JSON, converted by the declared types (integers exactly; strings of digits work too):
  --inputs '{"x": 21}'
Secrets come from environment variables or files, never from the command line:
  --secret-env token=MY_TOKEN_VAR   --secret-file token=/path/to/token
(sent per request as connection.secrets in Flyte 2 and in-process; with --protocol v1 they must live with the server).
A flyte-sdk task's custom.secrets ({"snowflake_private_key": "SNOWFLAKE_PRIVATE_KEY"}) is honoured the same way:
each secret is read from the environment variable it names, unless given by --secret-env / --secret-file.

Exit codes:
  0    the task succeeded
  1    the task failed (FAILED, ABORTED or RETRYABLE_FAILED)
  2    usage error (bad option, task file or inputs; nothing was created)
  3    connector or service error (a gRPC error that is not a task failure)
  130  interrupted by Ctrl-C, SIGTERM or --timeout (after DeleteTask)
`;

export function runCommand(): Command {
  return (
    new Command('run')
      .description(
        'Run one task locally, in-process or against a running service: CreateTask, GetTask until it ends, outputs.',
      )
      .argument('<task-file>', 'TaskTemplate (.pb or JSON) or task file (YAML/JSON); - reads standard input')
      .addOption(new Option('-i, --inputs <json>', 'input values as a JSON object'))
      .addOption(new Option('--inputs-file <file>', 'input values from a JSON (or YAML) file'))
      .addOption(
        new Option(
          '-e, --endpoint <host:port>',
          'run against this connector service instead of in-process',
        ).env('FLYTE_CONNECTOR_ENDPOINT'),
      )
      .addOption(
        new Option('--protocol <family>', 'protocol family for --endpoint')
          .choices(['v1', 'v2'])
          .default('v2'),
      )
      .addOption(new Option('--tls', 'connect to --endpoint with TLS (system roots)'))
      .addOption(new Option('--tls-ca <file>', 'connect with TLS, trusting this PEM CA certificate'))
      .addOption(
        new Option('-m, --modules <module>', 'extra connector module to load in-process (repeatable)')
          .env('FLYTE_CONNECTOR_MODULES')
          .argParser(collectModules),
      )
      .addOption(
        new Option('--no-discover', 'do not load installed packages that declare "flyte.connectors"'),
      )
      .addOption(
        new Option('--secrets-dir <dir>', 'in-process: directory of mounted server secrets (Flyte 1 style)')
          .env('FLYTE_CONNECTOR_SECRETS_DIR')
          .default('/etc/secrets'),
      )
      .addOption(
        new Option('--secret-env <name=VAR>', 'a secret from an environment variable (repeatable)').argParser(
          collect,
        ),
      )
      .addOption(
        new Option(
          '--secret-file <name=path>',
          'a secret from the contents of a file (repeatable)',
        ).argParser(collect),
      )
      .addOption(
        new Option('--config <key=value>', 'connection config (not secret; repeatable)').argParser(collect),
      )
      .addOption(
        new Option(
          '--output-prefix <uri>',
          'output_prefix sent to the connector (default: a temporary directory)',
        ),
      )
      .addOption(
        new Option('--poll-interval <seconds>', 'time between GetTask calls')
          .argParser(parseSeconds)
          .default(1),
      )
      .addOption(
        new Option('--timeout <seconds>', 'abort (DeleteTask) after this long').argParser(parseSeconds),
      )
      .addOption(
        new Option('--call-timeout <seconds>', 'deadline of each call').argParser(parseSeconds).default(10),
      )
      .addOption(
        new Option('--max-get-failures <n>', 'GetTask failures in a row before giving up')
          .argParser((value: string) => parseInteger(value, 1))
          .default(5),
      )
      .addOption(
        new Option('--execution-name <name>', 'execution name in the task metadata (default: random)'),
      )
      .addOption(
        new Option('--json', 'print the final resource with outputs as JSON on stdout, nothing else'),
      )
      .addOption(
        new Option('--log-level <level>', 'log level of in-process connectors (JSON lines on stderr)')
          .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .env('LOG_LEVEL')
          .default('warn'),
      )
      .addHelpText('after', EXIT_CODES_HELP)
      // Usage errors exit 2 (commander's default is 1, which here means "the task failed").
      .exitOverride((error: CommanderError) => {
        process.exit(error.exitCode === 0 ? 0 : RUN_EXIT_CODES.usage);
      })
      .action(async (file: string, options: RunOptions) => {
        const code = await runCommandAction(file, options);
        process.exitCode = code;
        // Connector modules may hold sockets or timers open; give their close() hooks a moment, then leave.
        setTimeout(() => process.exit(code), 1000).unref();
      })
  );
}

async function runCommandAction(file: string, options: RunOptions): Promise<number> {
  const logger = createLogger({ level: options.logLevel, destination: process.stderr });
  let runOptions: RunTaskOptions;
  try {
    runOptions = await prepare(file, options, logger);
  } catch (error) {
    return fail(error);
  }
  if (runOptions.connectors !== undefined && runOptions.connectors.length === 0) {
    const { name, version } = {
      name: runOptions.template.type,
      version: runOptions.template.taskTypeVersion,
    };
    process.stderr.write(
      `flyte-connect run: no connector handles task type ${name} (version ${version}). ` +
        'Install its package, or pass its module with --modules (see `flyte-connect list`).\n',
    );
    return RUN_EXIT_CODES.serviceError;
  }

  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals === 1) {
      process.stderr.write('\n(Ctrl-C again quits without waiting for DeleteTask)\n');
      controller.abort();
    } else {
      process.exit(RUN_EXIT_CODES.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const display = new ProgressDisplay({ stream: process.stderr });
  let result: RunResult;
  try {
    result = await runTask({
      ...runOptions,
      signal: controller.signal,
      onProgress: (event) => display.handle(event),
    });
  } catch (error) {
    display.stop();
    return fail(error);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  display.finish(result);
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
  } else if (result.outputs !== undefined && Object.keys(result.outputs).length > 0) {
    process.stdout.write(`${JSON.stringify(toJsonValue(result.outputs), null, 2)}\n`);
  }
  return result.exitCode;
}

async function prepare(file: string, options: RunOptions, logger: Logger): Promise<RunTaskOptions> {
  const remote = options.endpoint !== undefined;
  if (remote && (options.modules?.length ?? 0) > 0) {
    throw new UsageError('--modules loads connectors in-process; it cannot be combined with --endpoint.');
  }
  const { template } = await readTaskFile(file);
  const inputs = {
    ...(options.inputsFile === undefined
      ? {}
      : parseInputsText(readText(options.inputsFile, '--inputs-file'), options.inputsFile)),
    ...(options.inputs === undefined ? {} : parseInputsText(options.inputs, '--inputs')),
  };
  const given = readSecrets(options);
  const secrets = { ...taskNamedSecrets(template, options, Object.keys(given), logger), ...given };
  const configs = pairs(options.config ?? [], '--config');
  const common = {
    template,
    inputs,
    ...(Object.keys(secrets).length === 0 ? {} : { secrets }),
    ...(Object.keys(configs).length === 0 ? {} : { configs }),
    ...(options.outputPrefix === undefined ? {} : { outputPrefix: options.outputPrefix }),
    ...(options.executionName === undefined ? {} : { executionName: options.executionName }),
    pollIntervalMs: options.pollInterval * 1000,
    callTimeoutMs: options.callTimeout * 1000,
    maxGetFailures: options.maxGetFailures,
    ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout * 1000 }),
  };
  if (remote) {
    const tls = options.tls === true || options.tlsCa !== undefined;
    return {
      ...common,
      endpoint: options.endpoint!,
      protocol: options.protocol,
      ...(tls
        ? {
            credentials: credentials.createSsl(
              options.tlsCa === undefined ? null : Buffer.from(readText(options.tlsCa, '--tls-ca')),
            ),
          }
        : {}),
    };
  }
  const cwd = process.cwd();
  const packages = options.discover
    ? await discoverConnectorPackages({ searchPaths: defaultSearchPaths(cwd) })
    : [];
  const { loaded } = await loadConnectors({
    packages,
    modules: options.modules ?? [],
    cwd,
    logger,
    env: process.env,
  }).catch((error: unknown) => {
    // Only a --modules value can fail the load (installed packages are skipped with a warning).
    throw new UsageError(error instanceof Error ? error.message : String(error));
  });
  // Only the connectors of this task's category are opened: another connector's broken start-up must not matter.
  const wanted = (connector: Connector) =>
    taskCategoriesOf(connector).some(
      (c) => c.name === template.type && c.version === template.taskTypeVersion,
    );
  return {
    ...common,
    connectors: loaded.map((l) => l.connector).filter(wanted),
    secretsDir: options.secretsDir,
    logger,
  };
}

/**
 * flyte-sdk tasks name their secrets' environment variables in `custom.secrets`; a local run reads them as
 * flyte-sdk's own local execution does (the options given on the command line win). Flyte 1 cannot carry them.
 */
function taskNamedSecrets(
  template: TaskTemplate,
  options: RunOptions,
  given: readonly string[],
  logger: Logger,
): Record<string, string> {
  if (options.endpoint !== undefined && options.protocol === 'v1') return {};
  const { values, missing } = secretsNamedByTask(template, process.env);
  const unset = missing.filter(({ name }) => !given.includes(name));
  if (unset.length > 0) {
    logger.warn(
      { missing: unset.map(({ name, variable }) => `${name} → ${variable}`) },
      'the task names secrets in environment variables that are not set',
    );
  }
  return values;
}

/** `--secret-env name=VAR` and `--secret-file name=path`: values never appear on the command line. */
function readSecrets(options: RunOptions): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [name, variable] of Object.entries(pairs(options.secretEnv ?? [], '--secret-env'))) {
    const value = process.env[variable];
    if (value === undefined)
      throw new UsageError(`--secret-env ${name}: environment variable ${variable} is not set.`);
    secrets[name] = value;
  }
  for (const [name, path] of Object.entries(pairs(options.secretFile ?? [], '--secret-file'))) {
    // A trailing newline is how editors and `echo` end files; it is never part of a token.
    secrets[name] = readText(path, `--secret-file ${name}`).replace(/\r?\n$/, '');
  }
  return secrets;
}

function pairs(values: readonly string[], option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const index = value.indexOf('=');
    if (index <= 0) throw new UsageError(`${option}: expected name=value, got '${value.split('=')[0]}'`);
    result[value.slice(0, index)] = value.slice(index + 1);
  }
  return result;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Prints a failure that happened before (or instead of) a run and picks its exit code. */
function fail(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`flyte-connect run: ${message}\n`);
  // InvalidArgumentError before anything was created: the task file, inputs or options are wrong.
  if (error instanceof UsageError || (ConnectorError.is(error) && error.kind === 'INVALID_ARGUMENT')) {
    return RUN_EXIT_CODES.usage;
  }
  return RUN_EXIT_CODES.serviceError;
}

/** The `--json` document: the final resource, outputs as JSON values (bigints as numbers when safe, else strings). */
function resultJson(result: RunResult): Record<string, unknown> {
  return {
    phase: result.phase,
    reason: result.reason,
    message: result.message,
    outputs: result.outputs === undefined ? null : toJsonValue(result.outputs),
    ...(result.outputsError === undefined ? {} : { outputsError: result.outputsError }),
    logLinks: result.logLinks,
    customInfo: result.customInfo ?? null,
    ...(result.error === undefined
      ? {}
      : { error: { kind: result.error.kind, message: result.error.message } }),
    ...(result.interrupted === undefined ? {} : { interrupted: result.interrupted, deleted: result.deleted }),
    durationMs: result.durationMs,
    exitCode: result.exitCode,
  };
}
