import type { LogFn, Logger } from '../logger.js';
import { toCloneable } from './cloneable.js';
import type { LogRecord } from './protocol.js';

/**
 * A logger for connector code in a worker thread: every record goes to the main thread, which writes it with the
 * call's own logger (same bindings, same secret redaction) as if the connector ran there.
 */
export function remoteLogger(
  post: (record: LogRecord) => void,
  bindings: readonly Record<string, unknown>[] = [],
): Logger {
  const method =
    (level: LogRecord['level']): LogFn =>
    (first: string | Record<string, unknown>, message?: string) => {
      if (typeof first === 'string') post({ level, bindings, fields: undefined, message: first });
      else post({ level, bindings, fields: toCloneable(first) as Record<string, unknown>, message });
    };
  return {
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child: (more) => remoteLogger(post, [...bindings, toCloneable(more) as Record<string, unknown>]),
  };
}
