// Text forms of date/time query parameters. Flyte datetimes are UTC instants, so the civil forms (DATE,
// DATETIME, TIME) are the UTC calendar date and wall time, which is what the Python connectors send too.

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Milliseconds as the six fractional digits BigQuery shows (JS dates carry milliseconds only). */
const micros = (date: Date): string => `${pad(date.getUTCMilliseconds(), 3)}000`;

/** `YYYY-MM-DD` */
export function formatDate(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** `HH:MM:SS.ffffff` */
export function formatTime(date: Date): string {
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${micros(date)}`;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff`, the form google-cloud-bigquery (Python) sends for DATETIME parameters. */
export function formatDatetime(date: Date): string {
  return `${formatDate(date)}T${formatTime(date)}`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff+00:00`, the form google-cloud-bigquery (Python) sends for TIMESTAMP parameters. */
export function formatTimestamp(date: Date): string {
  return `${formatDate(date)} ${formatTime(date)}+00:00`;
}

/**
 * A duration in milliseconds as BigQuery's canonical INTERVAL text `Y-M D H:M:S.F` (days and time only, since a
 * duration has no calendar months): 90061500 ms → `0-0 1 1:1:1.5`.
 */
export function formatInterval(milliseconds: number): string {
  const sign = milliseconds < 0 ? '-' : '';
  const totalMicros = Math.round(Math.abs(milliseconds) * 1000);
  const microsPerDay = 86_400_000_000;
  const days = Math.floor(totalMicros / microsPerDay);
  let rest = totalMicros - days * microsPerDay;
  const hours = Math.floor(rest / 3_600_000_000);
  rest -= hours * 3_600_000_000;
  const minutes = Math.floor(rest / 60_000_000);
  rest -= minutes * 60_000_000;
  const seconds = Math.floor(rest / 1_000_000);
  const fraction = rest - seconds * 1_000_000;
  const fractionText = fraction === 0 ? '' : `.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
  const daySign = days === 0 ? '' : sign;
  const timeSign = totalMicros - days * microsPerDay === 0 ? '' : sign;
  return `0-0 ${daySign}${days} ${timeSign}${hours}:${minutes}:${seconds}${fractionText}`;
}
