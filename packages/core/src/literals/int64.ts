import { describeValue } from './describe.js';
import { fail, type Location } from './problem.js';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** An output integer as an exact int64: a bigint, or a number only when it is a safe integer. */
export function toInt64(value: unknown, at: Location): bigint {
  let result: bigint;
  if (typeof value === 'bigint') {
    result = value;
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value))
      fail(at, `expected an integer, found ${describeValue(value)} with a fraction`);
    // Beyond 2^53 a number has already lost precision; pretending otherwise would corrupt the value silently.
    if (!Number.isSafeInteger(value)) {
      fail(at, 'expected an integer, found a number beyond ±2^53 (not exact; use a bigint)');
    }
    result = BigInt(value);
  } else {
    return fail(at, `expected INTEGER (a bigint or an integer number), found ${describeValue(value)}`);
  }
  if (result < INT64_MIN || result > INT64_MAX) fail(at, 'integer out of the int64 range');
  return result;
}

/** A bigint as a number when that is exact, otherwise unchanged. */
export function narrowBigInt(value: bigint): number | bigint {
  return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
}
