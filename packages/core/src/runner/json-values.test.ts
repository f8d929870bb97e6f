import { describe, expect, it } from 'vitest';
import { toJsonValue } from './json-values.js';

describe('toJsonValue', () => {
  it('writes bigints as numbers when safe and as strings otherwise', () => {
    expect(toJsonValue({ a: 42n, b: 2n ** 60n, c: -(2n ** 60n) })).toEqual({
      a: 42,
      b: '1152921504606846976',
      c: '-1152921504606846976',
    });
  });

  it('writes dates, bytes and non-finite numbers as strings, recursively', () => {
    expect(
      toJsonValue([
        new Date('2024-01-02T03:04:05.000Z'),
        new Uint8Array([1, 2, 3]),
        NaN,
        -Infinity,
        null,
        { x: [1n] },
      ]),
    ).toEqual(['2024-01-02T03:04:05.000Z', 'AQID', 'NaN', '-Infinity', null, { x: [1] }]);
  });
});
