import { createHash } from 'node:crypto';
import { InvalidArgumentError, type TaskExecutionInfo, type TaskTemplate } from '@org/connector-core';

/**
 * BigQuery label rules: at most 64 labels; keys and values at most 63 characters of lowercase letters, digits,
 * `_` and `-` (international lowercase letters allowed); keys start with a lowercase letter; values may be empty.
 */
const MAX_LABELS = 64;
const MAX_LENGTH = 63;
const KEY_PATTERN = /^\p{Ll}[\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const VALUE_PATTERN = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

/** Prefix of the labels this connector sets itself; tasks cannot set labels with it. */
export const IDENTITY_LABEL_PREFIX = 'flyte_';

/**
 * Labels that attribute the job's cost to the Flyte execution that ran it, so that billing exports can be
 * grouped by project, domain, execution, node and task.
 */
export function identityLabels(execution: TaskExecutionInfo, template: TaskTemplate): Record<string, string> {
  const candidates: Record<string, string> = {
    flyte_project: execution.project,
    flyte_domain: execution.domain,
    flyte_execution: execution.executionName,
    flyte_node: execution.nodeId,
    flyte_task: template.id?.name ?? '',
    flyte_attempt: execution.metadata?.taskExecutionId === undefined ? '' : String(execution.retryAttempt),
  };
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(candidates)) {
    if (value !== '') labels[key] = sanitizeLabelValue(value);
  }
  return labels;
}

/**
 * Makes any text a valid label value: lowercased, other characters replaced by `_`, and when too long cut and
 * suffixed with a hash of the whole text so that two long names stay distinct.
 */
export function sanitizeLabelValue(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^\p{Ll}\p{Lo}\p{N}_-]/gu, '_');
  if ([...cleaned].length <= MAX_LENGTH) return cleaned;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${[...cleaned].slice(0, MAX_LENGTH - 9).join('')}-${hash}`;
}

/** Checks the task's own labels (`custom.labels`) and merges the identity labels over them. */
export function mergeLabels(
  user: Readonly<Record<string, string>>,
  identity: Readonly<Record<string, string>>,
): Record<string, string> {
  for (const [key, value] of Object.entries(user)) {
    if (!KEY_PATTERN.test(key)) {
      throw new InvalidArgumentError(
        `custom.labels: '${key.slice(0, 80)}' is not a valid BigQuery label key (lowercase letters, digits, _ and -, at most 63 characters, starting with a letter).`,
      );
    }
    if (key.startsWith(IDENTITY_LABEL_PREFIX)) {
      throw new InvalidArgumentError(
        `custom.labels: '${key}' uses the reserved prefix '${IDENTITY_LABEL_PREFIX}' (set by the connector from the execution identity).`,
      );
    }
    if (!VALUE_PATTERN.test(value)) {
      throw new InvalidArgumentError(
        `custom.labels: the value of '${key}' is not a valid BigQuery label value (lowercase letters, digits, _ and -, at most 63 characters).`,
      );
    }
  }
  const merged = { ...user, ...identity };
  if (Object.keys(merged).length > MAX_LABELS) {
    throw new InvalidArgumentError(
      `custom.labels: too many labels (${Object.keys(user).length} set by the task plus ${Object.keys(identity).length} identity labels; BigQuery allows ${MAX_LABELS}).`,
    );
  }
  return merged;
}
