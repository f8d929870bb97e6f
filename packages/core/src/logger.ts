/** A structured log method: a message, or fields followed by a message. pino's loggers satisfy it. */
export interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
}

/** The narrow logger interface core injects into connectors; any pino logger is one. */
export interface Logger {
  /** Logs at level trace (finest detail). */
  readonly trace: LogFn;
  /** Logs at level debug. */
  readonly debug: LogFn;
  /** Logs at level info. */
  readonly info: LogFn;
  /** Logs at level warn. */
  readonly warn: LogFn;
  /** Logs at level error. */
  readonly error: LogFn;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}
