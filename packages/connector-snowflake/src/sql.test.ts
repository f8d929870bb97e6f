import { describe, expect, it } from 'vitest';
import { bindStatement, bindValue } from './sql.js';

describe('bindStatement', () => {
  it('turns %(name)s into positional binds in order, repeating a name used twice', () => {
    const bound = bindStatement('SELECT %(a)s, %(b)s, %(a)s', { a: 'x', b: 2n });
    expect(bound).toEqual({ sqlText: 'SELECT ?, ?, ?', binds: ['x', 2, 'x'], names: ['a', 'b', 'a'] });
  });

  it('reads %% as a literal % when placeholders are used, and leaves SQL without placeholders alone', () => {
    expect(bindStatement("SELECT '%%' || %(a)s", { a: 'x' }).sqlText).toBe("SELECT '%' || ?");
    expect(bindStatement("SELECT '100%%'", {}).sqlText).toBe("SELECT '100%%'");
  });

  it('refuses a placeholder without an input of that name', () => {
    expect(() => bindStatement('SELECT %(missing)s', { a: 1 })).toThrow(/%\(missing\)s/);
  });
});

describe('bindValue', () => {
  it.each([
    ['text', 'text'],
    [true, true],
    [1.5, 1.5],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [7n, 7],
    [12345678901234567890n, '12345678901234567890'],
    [new Date('2024-01-02T03:04:05.006Z'), '2024-01-02T03:04:05.006Z'],
    [new Uint8Array([1, 255]), '01ff'],
    [null, null],
    [{ uri: 's3://bucket/key', format: 'parquet' }, 's3://bucket/key'],
    [[1, 2], '[1,2]'],
    [{ a: 1n }, '{"a":"1"}'],
  ] as const)('binds %o as %o', (value, expected) => {
    expect(bindValue(value, 'x')).toEqual(expected);
  });
});
