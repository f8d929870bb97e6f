import { pino, type DestinationStream, type Level } from 'pino';
import type { Logger } from './logger.js';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** The lowest level written; `silent` writes nothing. Default `info`. */
  readonly level?: Level | 'silent';
  /** Where JSON lines go; stdout by default. */
  readonly destination?: DestinationStream;
}

/**
 * Field names whose values are replaced wherever they appear in log objects, as a net under the per-call value
 * redaction: a connector that logs a config object with a token in it must not leak the token.
 */
const REDACTED_PATHS = [
  '*.token',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.secrets',
  '*.apiKey',
  '*.api_key',
  '*.privateKey',
  '*.private_key',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.credentials',
];

/** The service's structured JSON logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'flyte-connect' },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
