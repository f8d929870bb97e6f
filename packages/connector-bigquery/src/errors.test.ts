import { describe, expect, it } from 'vitest';
import { apiFailure, isTransient, toConnectorError } from './errors.js';

/** The shape of @google-cloud/common's ApiError. */
function apiError(code: number, reason: string, message = 'boom'): Error {
  return Object.assign(new Error(message), {
    code,
    errors: [{ reason, message }],
    response: { body: '{}', socket: {} },
  });
}

describe('toConnectorError', () => {
  it.each([
    [apiError(400, 'invalidQuery'), 'INVALID_ARGUMENT'],
    [apiError(401, 'authError'), 'UNAUTHENTICATED'],
    [apiError(403, 'accessDenied'), 'PERMISSION_DENIED'],
    [apiError(403, 'rateLimitExceeded'), 'RESOURCE_EXHAUSTED'],
    [apiError(429, 'rateLimitExceeded'), 'RESOURCE_EXHAUSTED'],
    [apiError(404, 'notFound'), 'NOT_FOUND'],
    [apiError(409, 'duplicate'), 'ALREADY_EXISTS'],
    [apiError(503, 'backendError'), 'UNAVAILABLE'],
    [
      Object.assign(new Error('request to http://x failed, reason: socket hang up'), {
        type: 'system',
        code: 'ECONNRESET',
      }),
      'UNAVAILABLE',
    ],
    [Object.assign(new Error('network timeout at: http://x'), { type: 'request-timeout' }), 'UNAVAILABLE'],
    [
      Object.assign(new Error('invalid_grant: Invalid JWT Signature.'), {
        status: 400,
        response: { data: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } },
      }),
      'UNAUTHENTICATED',
    ],
    [new Error('Could not load the default credentials. Browse to https://...'), 'UNAUTHENTICATED'],
    [new TypeError('something else'), 'INTERNAL'],
  ])('maps %s to %s', (error, kind) => {
    expect(toConnectorError(error, 'Doing it').kind).toBe(kind);
  });

  it('keeps only the facts: the cause carries no response object', () => {
    const error = toConnectorError(apiError(404, 'notFound', 'Not found: Job p:US.j'), 'Reading job j');
    expect(error.message).toBe('Reading job j: HTTP 404 notFound: Not found: Job p:US.j');
    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.keys(error.cause as object)).not.toContain('response');
  });
});

describe('isTransient', () => {
  it('retries 5xx, 408, 429, rate limits and network failures only', () => {
    expect(isTransient(apiFailure(apiError(500, 'internalError')))).toBe(true);
    expect(isTransient(apiFailure(apiError(403, 'quotaExceeded')))).toBe(true);
    expect(isTransient(apiFailure(apiError(403, 'accessDenied')))).toBe(false);
    expect(isTransient(apiFailure(apiError(404, 'notFound')))).toBe(false);
  });
});
