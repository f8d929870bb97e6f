import { create } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';
import { describeValue } from './describe.js';
import { fail, type Location } from './problem.js';

// The valid range of google.protobuf.Timestamp (0001-01-01 to 9999-12-31) and Duration (±10,000 years).
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;
const MAX_DURATION_SECONDS = 315_576_000_000;
const NANOS_PER_MS = 1_000_000;
const NANOS_PER_SECOND = 1_000_000_000;

/**
 * A Timestamp as a Date. Wkt's `timestampDate` rounds to the nearest millisecond, which can move an instant
 * forward; we truncate (nanos are never negative in a Timestamp, so this is a floor), as documented.
 */
export function timestampToDate(timestamp: Timestamp, at: Location): Date {
  const { seconds, nanos } = timestamp;
  if (
    seconds < MIN_TIMESTAMP_SECONDS ||
    seconds > MAX_TIMESTAMP_SECONDS ||
    nanos < 0 ||
    nanos >= NANOS_PER_SECOND
  ) {
    fail(at, 'datetime literal is outside the valid Timestamp range');
  }
  return new Date(Number(seconds) * 1000 + Math.floor(nanos / NANOS_PER_MS));
}

/** A Duration as milliseconds; sub-millisecond parts are kept as a fraction. */
export function durationToMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + duration.nanos / NANOS_PER_MS;
}

/** An output duration given in milliseconds. */
export function msToDuration(value: unknown, at: Location): Duration {
  if (typeof value !== 'number')
    return fail(at, `expected DURATION (milliseconds), found ${describeValue(value)}`);
  if (!Number.isFinite(value)) fail(at, 'expected DURATION, found a non-finite number');
  const seconds = Math.trunc(value / 1000);
  if (Math.abs(seconds) > MAX_DURATION_SECONDS) fail(at, 'duration is outside the valid Duration range');
  let nanos = Math.round((value - seconds * 1000) * NANOS_PER_MS);
  // Rounding the remainder can reach a full second; Duration wants |nanos| < 1e9 with the sign of seconds.
  let wholeSeconds = seconds;
  if (Math.abs(nanos) >= NANOS_PER_SECOND) {
    wholeSeconds += Math.sign(nanos);
    nanos -= Math.sign(nanos) * NANOS_PER_SECOND;
  }
  return create(DurationSchema, { seconds: BigInt(wholeSeconds), nanos: nanos === 0 ? 0 : nanos });
}

/** An output datetime: a valid Date, or an ISO-8601 string (full nanosecond precision is kept from strings). */
export function toTimestamp(value: unknown, at: Location): Timestamp {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) fail(at, 'expected DATETIME, found an invalid Date');
    return checkedTimestamp(BigInt(Math.floor(ms / 1000)), (((ms % 1000) + 1000) % 1000) * NANOS_PER_MS, at);
  }
  if (typeof value === 'string') return parseIsoTimestamp(value, at);
  return fail(at, `expected DATETIME (a Date or an ISO-8601 string), found ${describeValue(value)}`);
}

// Date.parse accepts many non-ISO formats and reads offset-less date-times as local time; this does neither.
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

function parseIsoTimestamp(text: string, at: Location): Timestamp {
  const m = ISO_DATETIME.exec(text);
  if (m === null) return fail(at, `expected DATETIME, found a string that is not an ISO-8601 date-time`);
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', , sign, offH, offM] = m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  const validDate = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
  const offsetMinutes = sign === undefined ? 0 : Number(offH) * 60 + Number(offM);
  if (!validDate || h > 23 || mi > 59 || s > 59 || Number(offM) > 59 || offsetMinutes > 18 * 60) {
    fail(at, 'expected DATETIME, found an ISO-8601 string with an out-of-range field');
  }
  const dayStart = BigInt(Math.floor(date.getTime() / 86_400_000)) * 86_400n;
  const offset = BigInt((sign === '-' ? -1 : 1) * offsetMinutes * 60);
  const seconds = dayStart + BigInt(h * 3600 + mi * 60 + s) - offset;
  return checkedTimestamp(seconds, Number(fraction.padEnd(9, '0')), at);
}

function checkedTimestamp(seconds: bigint, nanos: number, at: Location): Timestamp {
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) {
    fail(at, 'datetime is outside the valid Timestamp range (years 1 to 9999)');
  }
  return create(TimestampSchema, { seconds, nanos });
}
