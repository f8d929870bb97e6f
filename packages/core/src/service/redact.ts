import type { LogFn, Logger } from '../logger.js';

const REDACTED = '[REDACTED]';

/** Replaces every occurrence of the given secret values in a text. Values shorter than 4 characters are ignored. */
export function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first: a secret may contain another (a password inside a DSN); replacing the short one first would
  // leave the rest of the long one in clear text.
  const ordered = secrets.length > 1 ? [...secrets].sort((a, b) => b.length - a.length) : secrets;
  for (const secret of ordered) {
    if (secret.length >= 4 && result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/** Deeply redacts strings inside a log field object (bounded depth; logs are not the place for huge objects). */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  // Deeper structures are cut rather than passed through, or a deeply nested secret would escape redaction.
  if (depth > 8) return '[Truncated]';
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message, secrets) };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = redactValue(item, secrets, depth + 1);
  return result;
}

/**
 * A logger created on first use: most calls never log, and a pino child costs more than the rest of a GetTask.
 * A class, so that a call pays for one object rather than a closure per level (thousands of calls are in flight).
 */
class LazyLogger implements Logger {
  #real: Logger | undefined;

  constructor(private readonly create: () => Logger) {}

  trace(first: string | Record<string, unknown>, message?: string): void {
    log(this.#get(), 'trace', first, message);
  }

  debug(first: string | Record<string, unknown>, message?: string): void {
    log(this.#get(), 'debug', first, message);
  }

  info(first: string | Record<string, unknown>, message?: string): void {
    log(this.#get(), 'info', first, message);
  }

  warn(first: string | Record<string, unknown>, message?: string): void {
    log(this.#get(), 'warn', first, message);
  }

  error(first: string | Record<string, unknown>, message?: string): void {
    log(this.#get(), 'error', first, message);
  }

  child(bindings: Record<string, unknown>): Logger {
    return this.#get().child(bindings);
  }

  #get(): Logger {
    return (this.#real ??= this.create());
  }
}

function log(
  logger: Logger,
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error',
  first: string | Record<string, unknown>,
  message?: string,
): void {
  if (typeof first === 'string') logger[level](first);
  else logger[level](first, message);
}

export function lazyLogger(create: () => Logger): Logger {
  return new LazyLogger(create);
}

/** A logger that scrubs this call's secret values from messages and fields before they reach the sink. */
export function redactingLogger(base: Logger, secrets: readonly string[]): Logger {
  if (secrets.length === 0) return base;
  const wrap =
    (fn: LogFn): LogFn =>
    (first: string | Record<string, unknown>, message?: string) => {
      if (typeof first === 'string') fn(redactText(first, secrets));
      else
        fn(
          redactValue(first, secrets) as Record<string, unknown>,
          message === undefined ? undefined : redactText(message, secrets),
        );
    };
  return {
    trace: wrap(base.trace.bind(base)),
    debug: wrap(base.debug.bind(base)),
    info: wrap(base.info.bind(base)),
    warn: wrap(base.warn.bind(base)),
    error: wrap(base.error.bind(base)),
    child: (bindings) =>
      redactingLogger(base.child(redactValue(bindings, secrets) as Record<string, unknown>), secrets),
  };
}
