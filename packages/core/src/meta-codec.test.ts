import type { JsonValue } from '@bufbuild/protobuf';
import { describe, expect, it, vi } from 'vitest';
import { ConnectorError, InvalidResourceMetaError } from './errors.js';
import { jsonMetaCodec, type StandardSchemaLike } from './meta-codec.js';

interface JobMeta {
  readonly jobId: string;
  readonly region: string;
}

function parseJobMeta(value: unknown): JobMeta {
  if (typeof value !== 'object' || value === null) throw new Error('meta must be an object');
  const { jobId, region } = value as Record<string, unknown>;
  if (typeof jobId !== 'string') throw new Error('jobId must be a string');
  if (typeof region !== 'string') throw new Error('region must be a string');
  return { jobId, region };
}

/** A hand-written Standard Schema, shaped like what zod, valibot or arktype expose. */
const jobMetaSchema: StandardSchemaLike<JobMeta> = {
  '~standard': {
    validate(value) {
      const issues: { message: string; path?: unknown[] }[] = [];
      if (typeof value !== 'object' || value === null) return { issues: [{ message: 'Expected object' }] };
      const record = value as Record<string, unknown>;
      if (typeof record['jobId'] !== 'string') issues.push({ message: 'Expected string', path: ['jobId'] });
      if (typeof record['region'] !== 'string') {
        issues.push({ message: 'Required', path: [{ key: 'location' }, 'region', 0] });
      }
      return issues.length > 0
        ? { issues }
        : { value: { jobId: String(record['jobId']), region: String(record['region']) } };
    },
  },
};

function decodeError(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected fromJson to throw');
}

describe('jsonMetaCodec with a parse function', () => {
  const codec = jsonMetaCodec(parseJobMeta);

  it('encodes meta as the JSON value itself and decodes it through the parse function', () => {
    const meta = { jobId: 'j-1', region: 'eu' };
    const json = codec.toJson(meta);
    expect(json).toEqual({ jobId: 'j-1', region: 'eu' });
    expect(codec.fromJson(JSON.parse(JSON.stringify(json)) as JsonValue)).toEqual(meta);
  });

  it('turns a thrown error into INVALID_ARGUMENT carrying its message and cause', () => {
    const error = decodeError(() => codec.fromJson({ jobId: 5 }));
    expect(error).toBeInstanceOf(InvalidResourceMetaError);
    expect(ConnectorError.is(error)).toBe(true);
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('Invalid resource_meta: jobId must be a string.');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('copes with a parse function that throws something other than an Error', () => {
    const codec = jsonMetaCodec<JobMeta>(() => {
      throw 'nope'; // eslint-disable-line @typescript-eslint/only-throw-error
    });
    const error = decodeError(() => codec.fromJson({}));
    expect(error).toBeInstanceOf(InvalidResourceMetaError);
    expect(error.message).toBe('Invalid resource_meta: unexpected shape.');
    expect(error.cause).toBe('nope');
  });
});

describe('jsonMetaCodec with a Standard Schema', () => {
  const codec = jsonMetaCodec(jobMetaSchema);

  it('returns the validated value', () => {
    expect(codec.fromJson({ jobId: 'j-2', region: 'us' })).toEqual({ jobId: 'j-2', region: 'us' });
  });

  it('joins every issue, with its path, into the INVALID_ARGUMENT message', () => {
    const error = decodeError(() => codec.fromJson({ jobId: 1 }));
    expect(error).toBeInstanceOf(InvalidResourceMetaError);
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('Invalid resource_meta: jobId: Expected string; location.region.0: Required.');
  });

  it('shows an issue without a path by its message alone', () => {
    const error = decodeError(() => codec.fromJson('a string'));
    expect(error.message).toBe('Invalid resource_meta: Expected object.');
  });

  it('shows an issue with an empty path by its message alone', () => {
    const codec = jsonMetaCodec<JobMeta>({
      '~standard': { validate: () => ({ issues: [{ message: 'Bad', path: [] }] }) },
    });
    expect(decodeError(() => codec.fromJson({})).message).toBe('Invalid resource_meta: Bad.');
  });

  it('refuses an asynchronous schema with INVALID_ARGUMENT instead of returning a promise as meta', () => {
    const validate = vi.fn(() => Promise.resolve({ value: { jobId: 'j', region: 'r' } }));
    const codec = jsonMetaCodec<JobMeta>({ '~standard': { validate } });
    const error = decodeError(() => codec.fromJson({ jobId: 'j', region: 'r' }));
    expect(error).toBeInstanceOf(InvalidResourceMetaError);
    expect(error.message).toBe('Invalid resource_meta: asynchronous schemas are not supported.');
    expect(validate).toHaveBeenCalledOnce();
  });
});
