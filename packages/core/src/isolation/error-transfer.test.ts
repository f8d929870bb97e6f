import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  ConnectorError,
  InvalidArgumentError,
  MissingParameterError,
} from '../errors.js';
import { fromTransferredError, toTransferredError } from './error-transfer.js';

/** What crossing to another thread does: structured clone of the transferred form. */
const acrossThreads = (error: unknown) => fromTransferredError(structuredClone(toTransferredError(error)));

describe('error transfer between threads', () => {
  it("keeps a core error's kind, class, message and stack", () => {
    const original = new InvalidArgumentError('n must be positive');
    const received = acrossThreads(original);
    expect(received).toBeInstanceOf(InvalidArgumentError);
    expect(ConnectorError.is(received) && received.kind).toBe('INVALID_ARGUMENT');
    expect(received).toMatchObject({ name: 'InvalidArgumentError', message: 'n must be positive' });
    expect((received as Error).stack).toBe(original.stack);
  });

  it("keeps a subclass's name and fields, and the cause's name and message", () => {
    const received = acrossThreads(new MissingParameterError('token', ['connection.secret token']));
    expect(received).toMatchObject({
      kind: 'INVALID_ARGUMENT',
      name: 'MissingParameterError',
      parameter: 'token',
    });
    const withCause = acrossThreads(
      new BackendUnavailableError('no answer', { cause: new RangeError('socket timeout') }),
    ) as Error;
    expect(ConnectorError.is(withCause) && withCause.kind).toBe('UNAVAILABLE');
    expect(withCause.cause).toMatchObject({ name: 'RangeError', message: 'socket timeout' });
  });

  it('keeps the class name and message of other errors, and other thrown values as they were', () => {
    const received = acrossThreads(new TypeError('vendor SDK failed'));
    expect(ConnectorError.is(received)).toBe(false);
    expect(received).toMatchObject({ name: 'TypeError', message: 'vendor SDK failed' });
    expect(acrossThreads('plain text')).toBe('plain text');
    expect(acrossThreads(undefined)).toBeUndefined();
    expect(acrossThreads({ weird: true })).toBe('[object Object]');
  });
});
