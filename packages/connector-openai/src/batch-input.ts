import { readFile, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type BlobValue } from '@org/connector-core';

/** flytekit's input: the id of a JSONL file already uploaded with purpose `batch`. */
export const FILE_ID_INPUT = 'input_file_id';
/** Inline requests: a list of request bodies, or of complete batch lines (`custom_id`, `method`, `url`, `body`). */
export const REQUESTS_INPUT = 'requests';
/** A JSONL file of batch lines, uploaded by the connector. */
export const FILE_INPUT = 'input_file';

/** Where the batch's requests come from. */
export type BatchSource =
  | { readonly kind: 'file-id'; readonly fileId: string }
  | { readonly kind: 'upload'; readonly jsonl: string; readonly filename: string; readonly lines: number };

/**
 * Reads the task's inputs: exactly one of `input_file_id`, `requests` or `input_file`. A `file://` input is read
 * only below the operator's `localFilesRoot`: otherwise a task could make the service upload any file it can read
 * (its own mounted secrets included) to an OpenAI account of the task author's choosing.
 */
export async function batchSource(
  inputs: Readonly<Record<string, unknown>>,
  endpoint: string,
  localFilesRoot: string | undefined,
): Promise<BatchSource> {
  const given = [FILE_ID_INPUT, REQUESTS_INPUT, FILE_INPUT].filter(
    (name) => inputs[name] !== undefined && inputs[name] !== null,
  );
  if (given.length !== 1) {
    throw new InvalidArgumentError(
      `An openai-batch task takes exactly one of the inputs '${FILE_ID_INPUT}', '${REQUESTS_INPUT}' or '${FILE_INPUT}'; got ${given.length === 0 ? 'none' : given.join(', ')}.`,
    );
  }
  const value = inputs[given[0]!];
  switch (given[0]) {
    case FILE_ID_INPUT:
      if (typeof value !== 'string' || value.trim() === '') {
        throw new InvalidArgumentError(`Input '${FILE_ID_INPUT}' must be a non-empty file id.`);
      }
      return { kind: 'file-id', fileId: value };
    case REQUESTS_INPUT:
      return inlineRequests(value, endpoint);
    default:
      return localFile(value, localFilesRoot);
  }
}

function inlineRequests(value: unknown, endpoint: string): BatchSource {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError(`Input '${REQUESTS_INPUT}' must be a non-empty list of request objects.`);
  }
  const lines = value.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InvalidArgumentError(`Input '${REQUESTS_INPUT}'[${index}] is not an object.`);
    }
    const record = item as Record<string, unknown>;
    // A complete batch line keeps its own id; a bare body gets a positional one, so results map back to inputs.
    if (typeof record['custom_id'] === 'string' && typeof record['body'] === 'object') {
      return { method: 'POST', url: endpoint, ...record };
    }
    return { custom_id: `request-${index + 1}`, method: 'POST', url: endpoint, body: record };
  });
  return {
    kind: 'upload',
    jsonl: lines.map((line) => JSON.stringify(line)).join('\n') + '\n',
    filename: 'requests.jsonl',
    lines: lines.length,
  };
}

async function localFile(value: unknown, root: string | undefined): Promise<BatchSource> {
  const uri = (value as Partial<BlobValue> | undefined)?.uri;
  if (typeof uri !== 'string' || !uri.startsWith('file://')) {
    throw new InvalidArgumentError(
      `Input '${FILE_INPUT}' must be a file with a file:// URI (got ${typeof uri === 'string' ? uri.split(':')[0] + ':' : 'no URI'}); upload other files yourself and pass '${FILE_ID_INPUT}'.`,
    );
  }
  if (root === undefined) {
    throw new InvalidArgumentError(
      `Input '${FILE_INPUT}': reading local files is switched off; the operator enables it for one directory with FLYTE_OPENAI_LOCAL_FILES_ROOT.`,
    );
  }
  let path: string;
  let allowed: string;
  try {
    [path, allowed] = await Promise.all([realpath(fileURLToPath(uri)), realpath(root)]);
  } catch {
    throw new InvalidArgumentError(`Input '${FILE_INPUT}': ${uri} does not exist or cannot be read.`);
  }
  if (!path.startsWith(allowed.endsWith(sep) ? allowed : allowed + sep)) {
    throw new InvalidArgumentError(
      `Input '${FILE_INPUT}': ${uri} is outside the directory the operator allows.`,
    );
  }
  const jsonl = await readFile(path, 'utf8');
  const lines = jsonl.split('\n').filter((line) => line.trim() !== '').length;
  if (lines === 0) throw new InvalidArgumentError(`Input '${FILE_INPUT}': ${uri} holds no requests.`);
  return { kind: 'upload', jsonl, filename: path.split(sep).at(-1) ?? 'requests.jsonl', lines };
}
