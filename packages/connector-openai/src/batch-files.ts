import { createWriteStream } from 'node:fs';
import { mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidArgumentError, type BlobValue, type LiteralType } from '@org/connector-core';

/** File outputs a task may declare to receive the batch's result lines and error lines as JSONL files. */
export const RESULTS_FILE_OUTPUT = 'results';
export const ERRORS_FILE_OUTPUT = 'errors';

/** The file ids of a completed batch, by the output that receives each. */
export interface BatchFiles {
  readonly [RESULTS_FILE_OUTPUT]: string | null | undefined;
  readonly [ERRORS_FILE_OUTPUT]: string | null | undefined;
}

/** Reads one file's content (the SDK's files.content); injected so the download logic does not own a client. */
export type FileContent = (fileId: string) => Promise<Response>;

// flyteidl's BlobType.BlobDimensionality.MULTIPART: a directory, where these outputs are single files.
const MULTIPART = 1;

/** Which of `results` / `errors` the task declares as file outputs; a directory output is refused by name. */
export function declaredFileOutputs(outputTypes: ReadonlyMap<string, LiteralType>): string[] {
  return [RESULTS_FILE_OUTPUT, ERRORS_FILE_OUTPUT].filter((name) => {
    const type = outputTypes.get(name)?.type;
    if (type?.case !== 'blob') return false;
    if (Number(type.value.dimensionality) === MULTIPART) {
      throw new InvalidArgumentError(
        `Output '${name}' is declared as a directory; the batch's ${name} arrive as one JSONL file, so declare a file.`,
      );
    }
    return true;
  });
}

/**
 * The local directory file outputs are written to: the output prefix, which must be a local location below
 * the operator's `localFilesRoot`. The same guard as for file inputs: a task must not make the service write
 * vendor-supplied bytes anywhere the service can write.
 */
export async function localOutputDir(
  outputPrefix: string,
  localFilesRoot: string | undefined,
  outputs: readonly string[],
): Promise<string> {
  const named = outputs.map((name) => `'${name}'`).join(' and ');
  const path = localPath(outputPrefix);
  if (path === undefined) {
    throw new InvalidArgumentError(
      `The task declares the file output ${named}, which this connector writes only to a local output prefix (file:// or a path, as the local runner gives); this run's prefix is '${outputPrefix}'. Declare 'result' instead to receive the batch with its file ids.`,
    );
  }
  if (localFilesRoot === undefined) {
    throw new InvalidArgumentError(
      `The task declares the file output ${named}: writing local files is switched off; the operator enables it for one directory with FLYTE_OPENAI_LOCAL_FILES_ROOT.`,
    );
  }
  const dir = resolve(path);
  let allowed: string;
  try {
    allowed = await realpath(localFilesRoot);
  } catch {
    throw new InvalidArgumentError(
      `FLYTE_OPENAI_LOCAL_FILES_ROOT (${localFilesRoot}) does not exist; file outputs cannot be written.`,
    );
  }
  if (!(await realParent(dir)).startsWith(allowed.endsWith(sep) ? allowed : allowed + sep)) {
    throw new InvalidArgumentError(
      `The output prefix ${outputPrefix} is outside the directory the operator allows for file outputs.`,
    );
  }
  return dir;
}

/**
 * Downloads the batch's files into `dir` as `<output>.jsonl` and returns the file literals. A batch without an
 * error (or output) file still gets an empty one, so the declared outputs always exist. Each file is streamed to a
 * temporary name and renamed, so a repeated GetTask after completion rewrites it whole.
 */
export async function downloadBatchFiles(
  files: BatchFiles,
  outputs: readonly string[],
  dir: string,
  content: FileContent,
): Promise<Record<string, BlobValue>> {
  await mkdir(dir, { recursive: true });
  const literals: Record<string, BlobValue> = {};
  for (const name of outputs) {
    const fileId = files[name as keyof BatchFiles];
    const target = join(dir, `${name}.jsonl`);
    const partial = `${target}.partial`;
    try {
      if (fileId === null || fileId === undefined) {
        await writeFile(partial, '');
      } else {
        const response = await content(fileId);
        if (response.body === null) await writeFile(partial, '');
        else await pipeline(Readable.fromWeb(response.body), createWriteStream(partial));
      }
      await rename(partial, target);
    } finally {
      await rm(partial, { force: true });
    }
    // Format left empty so the declared one (if any) is kept.
    literals[name] = { uri: pathToFileURL(target).href, format: '', dimensionality: 'SINGLE' };
  }
  return literals;
}

/** A `file://` URI or a plain absolute path as a path; undefined for remote storage (`s3://`, `gs://`...). */
function localPath(prefix: string): string | undefined {
  if (prefix.startsWith('file://')) return fileURLToPath(prefix);
  return isAbsolute(prefix) ? prefix : undefined;
}

/** The real path of `dir`'s nearest existing ancestor joined with the rest, so symlinks cannot escape the root. */
async function realParent(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch {
    const parent = dirname(dir);
    if (parent === dir) return dir;
    return join(await realParent(parent), dir.slice(parent.length));
  }
}
