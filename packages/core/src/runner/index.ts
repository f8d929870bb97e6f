/**
 * The local runner: runs one task against connectors in-process or a running service, as `flyte-connect run` does.
 */
export {
  exitCodeOf,
  RUN_EXIT_CODES,
  runTask,
  type RunExitCode,
  type RunProgress,
  type RunResult,
  type RunTaskOptions,
} from './run-task.js';
export {
  parseTaskFile,
  readTaskFile,
  taskFromDocument,
  type LoadedTask,
  type TaskFileFormat,
} from './task-file.js';
export { parseTypeSpec } from './type-vocabulary.js';
export { inputsToLiterals, parseInputsText, parseLiteralMap } from './inputs.js';
export { toJsonValue } from './json-values.js';
export { jitteredBackoff, type BackoffOptions } from './backoff.js';
export { ProgressDisplay, runSummary, type ProgressDisplayOptions, type ProgressStream } from './progress.js';
export { localExecutionMetadata } from './execution-metadata.js';
