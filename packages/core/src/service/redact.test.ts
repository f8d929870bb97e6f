import { describe, expect, it } from 'vitest';
import type { LogFn, Logger } from '../logger.js';
import { lazyLogger, redactingLogger, redactText, redactValue } from './redact.js';

const SECRET = 'canary-VALUE-42';
const OTHER = 'p@ssw0rd!';

interface Call {
  readonly logger: string;
  readonly level: string;
  readonly args: unknown[];
}

/** A logger that records every call, and the bindings of every child, the way a test sink would. */
function recordingLogger(
  calls: Call[],
  name = 'root',
  bindings: Record<string, unknown>[] = [],
): Logger & {
  readonly bindings: Record<string, unknown>[];
} {
  const method =
    (level: string): LogFn =>
    (...args: unknown[]) => {
      calls.push({ logger: name, level, args });
    };
  return {
    bindings,
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child(childBindings) {
      bindings.push(childBindings);
      return recordingLogger(calls, `${name}>child`, bindings);
    },
  };
}

describe('redactText', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactText(`token=${SECRET}; again ${SECRET}; pw=${OTHER}`, [SECRET, OTHER])).toBe(
      'token=[REDACTED]; again [REDACTED]; pw=[REDACTED]',
    );
  });

  it('leaves text without secrets unchanged', () => {
    expect(redactText('nothing to hide', [SECRET])).toBe('nothing to hide');
    expect(redactText('', [SECRET])).toBe('');
  });

  it('ignores secrets shorter than 4 characters, which would shred ordinary text', () => {
    expect(redactText('a job in the EU ran 123 s', ['a', 'EU', '123', ''])).toBe('a job in the EU ran 123 s');
    expect(redactText('pin 1234', ['1234'])).toBe('pin [REDACTED]');
  });

  it('treats secrets as literal text, not patterns', () => {
    expect(redactText('a.b* (x) and axb', ['a.b* (x)'])).toBe('[REDACTED] and axb');
    expect(redactText('cost $1.00$&', ['$1.00$&'])).toBe('cost [REDACTED]');
  });

  // BUG: secrets are replaced in the given order. When one secret contains another (a JSON key file that holds a
  // private key, a "user:password" pair and the password), the shorter one is replaced first and the rest of the
  // longer secret no longer matches, so its other characters reach the log.
  it('leaves no part of a longer secret behind when a shorter secret is inside it', () => {
    const password = 'hunter2-password';
    const credentials = `admin-user:${password}`;
    const redacted = redactText(`connecting with ${credentials}`, [password, credentials]);
    expect(redacted).toBe('connecting with [REDACTED]');
    expect(redacted).not.toContain('admin-user');
  });
});

describe('redactValue', () => {
  it('redacts strings nested in objects and arrays and keeps everything else', () => {
    const value = {
      url: `https://user:${SECRET}@host/db`,
      count: 3,
      ok: true,
      missing: null,
      list: ['plain', `Bearer ${SECRET}`, { deep: [SECRET] }],
    };
    expect(redactValue(value, [SECRET])).toEqual({
      url: 'https://user:[REDACTED]@host/db',
      count: 3,
      ok: true,
      missing: null,
      list: ['plain', 'Bearer [REDACTED]', { deep: ['[REDACTED]'] }],
    });
  });

  it('does not modify the given object', () => {
    const value = { token: SECRET, nested: { token: SECRET } };
    redactValue(value, [SECRET]);
    expect(value).toEqual({ token: SECRET, nested: { token: SECRET } });
  });

  it('turns an Error into its type and redacted message, dropping the stack', () => {
    const error = new TypeError(`request with key ${SECRET} failed`);
    expect(redactValue(error, [SECRET])).toEqual({
      type: 'TypeError',
      message: 'request with key [REDACTED] failed',
    });
    expect(redactValue({ err: error }, [SECRET])).toEqual({
      err: { type: 'TypeError', message: 'request with key [REDACTED] failed' },
    });
    expect(JSON.stringify(redactValue({ err: error }, [SECRET]))).not.toContain(SECRET);
  });

  it('passes non-string primitives through', () => {
    expect(redactValue(42, [SECRET])).toBe(42);
    expect(redactValue(undefined, [SECRET])).toBeUndefined();
    expect(redactValue(null, [SECRET])).toBeNull();
  });

  it('terminates on a cyclic object', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    expect(() => redactValue(cyclic, [SECRET])).not.toThrow();
  });

  it('redacts strings down to the depth bound', () => {
    let value: unknown = SECRET;
    for (let i = 0; i < 9; i++) value = { level: value };
    expect(JSON.stringify(redactValue(value, [SECRET]))).not.toContain(SECRET);
  });

  // BUG: past the depth bound redactValue returns the remaining object as it is, so a secret nested deeper than
  // nine levels reaches the log sink unredacted. The bound should cut the object off, not skip redaction.
  it('never lets a secret through below the depth bound', () => {
    let value: unknown = { token: SECRET };
    for (let i = 0; i < 12; i++) value = { level: value };
    expect(JSON.stringify(redactValue(value, [SECRET]))).not.toContain(SECRET);
  });
});

describe('redactingLogger', () => {
  it('scrubs plain messages at every level', () => {
    const calls: Call[] = [];
    const logger = redactingLogger(recordingLogger(calls), [SECRET]);
    logger.trace(`t ${SECRET}`);
    logger.debug(`d ${SECRET}`);
    logger.info(`i ${SECRET}`);
    logger.warn(`w ${SECRET}`);
    logger.error(`e ${SECRET}`);
    expect(calls).toEqual(
      ['trace', 'debug', 'info', 'warn', 'error'].map((level) => ({
        logger: 'root',
        level,
        args: [`${level[0]} [REDACTED]`],
      })),
    );
  });

  it('scrubs fields (including errors) and the message that follows them', () => {
    const calls: Call[] = [];
    const logger = redactingLogger(recordingLogger(calls), [SECRET, OTHER]);
    logger.error(
      {
        err: new Error(`auth failed for ${OTHER}`),
        request: { headers: { authorization: `Bearer ${SECRET}` } },
      },
      `call with ${SECRET} failed`,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args).toEqual([
      {
        err: { type: 'Error', message: 'auth failed for [REDACTED]' },
        request: { headers: { authorization: 'Bearer [REDACTED]' } },
      },
      'call with [REDACTED] failed',
    ]);
  });

  it('passes fields without a message through with no invented message', () => {
    const calls: Call[] = [];
    const logger = redactingLogger(recordingLogger(calls), [SECRET]);
    logger.info({ token: SECRET });
    expect(calls[0]!.args[0]).toEqual({ token: '[REDACTED]' });
    expect(calls[0]!.args[1]).toBeUndefined();
  });

  it('scrubs child bindings and keeps redacting in the child (and its children)', () => {
    const calls: Call[] = [];
    const base = recordingLogger(calls);
    const logger = redactingLogger(base, [SECRET]);
    const child = logger.child({ connector: 'bq', dsn: `postgres://u:${SECRET}@h` });
    child.warn(`child sees ${SECRET}`);
    child.child({ nested: [SECRET] }).info({ value: SECRET }, SECRET);

    expect(base.bindings).toEqual([
      { connector: 'bq', dsn: 'postgres://u:[REDACTED]@h' },
      { nested: ['[REDACTED]'] },
    ]);
    expect(calls).toEqual([
      { logger: 'root>child', level: 'warn', args: ['child sees [REDACTED]'] },
      { logger: 'root>child>child', level: 'info', args: [{ value: '[REDACTED]' }, '[REDACTED]'] },
    ]);
  });

  it('ignores secrets shorter than 4 characters', () => {
    const calls: Call[] = [];
    const logger = redactingLogger(recordingLogger(calls), ['abc', SECRET]);
    logger.info({ region: 'abc' }, 'abc is the region');
    expect(calls[0]!.args).toEqual([{ region: 'abc' }, 'abc is the region']);
  });

  it('hands back the logger itself when there is nothing to redact', () => {
    const base = recordingLogger([]);
    expect(redactingLogger(base, [])).toBe(base);
  });
});

describe('lazyLogger', () => {
  it('creates its logger on the first line only, then forwards every level with its fields and message', () => {
    const calls: Call[] = [];
    let created = 0;
    const logger = lazyLogger(() => {
      created += 1;
      return recordingLogger(calls);
    });
    expect(created).toBe(0);
    logger.trace('t');
    logger.debug({ a: 1 }, 'd');
    logger.info('i');
    logger.warn({ b: 2 });
    logger.error({ c: 3 }, 'e');
    logger.child({ connector: 'x' }).info('from the child');
    expect(created).toBe(1);
    expect(calls).toEqual([
      { logger: 'root', level: 'trace', args: ['t'] },
      { logger: 'root', level: 'debug', args: [{ a: 1 }, 'd'] },
      { logger: 'root', level: 'info', args: ['i'] },
      { logger: 'root', level: 'warn', args: [{ b: 2 }, undefined] },
      { logger: 'root', level: 'error', args: [{ c: 3 }, 'e'] },
      { logger: 'root>child', level: 'info', args: ['from the child'] },
    ]);
  });
});
