import { describe, expect, it } from 'vitest';
import { bindBatchStatement, bindStatement, bindValue } from './sql.js';

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

describe('bindBatchStatement', () => {
  it("repeats the VALUES clause once per row, as flyte-sdk's batch mode does", () => {
    const bound = bindBatchStatement('INSERT INTO t (a, b) VALUES (%(a)s, UPPER(%(b)s)) -- done', {
      a: [1, 2, 3],
      b: ['x', 'y', 'z'],
    });
    expect(bound.sqlText).toBe(
      'INSERT INTO t (a, b) VALUES (?, UPPER(?)), (?, UPPER(?)), (?, UPPER(?)) -- done',
    );
    expect(bound.binds).toEqual([1, 'x', 2, 'y', 3, 'z']);
    expect(bound.names).toEqual(['a[0]', 'b[0]', 'a[1]', 'b[1]', 'a[2]', 'b[2]']);
  });

  it('runs a statement without inputs as written', () => {
    expect(bindBatchStatement('INSERT INTO t VALUES (1)', {})).toEqual({
      sqlText: 'INSERT INTO t VALUES (1)',
      binds: [],
      names: [],
    });
  });

  it.each([
    ['a non-list input', 'INSERT INTO t VALUES (%(a)s)', { a: 1 }, "'a' is not"],
    [
      'lists of different lengths',
      'INSERT INTO t VALUES (%(a)s, %(b)s)',
      { a: [1], b: [1, 2] },
      'a: 1, b: 2',
    ],
    ['empty lists', 'INSERT INTO t VALUES (%(a)s)', { a: [] }, 'no row'],
    ['no VALUES clause', 'SELECT %(a)s', { a: [1] }, 'needs a statement with a VALUES'],
    [
      'two VALUES clauses',
      'INSERT INTO t VALUES (%(a)s); INSERT INTO u VALUES (%(a)s)',
      { a: [1] },
      'several',
    ],
    ['an unclosed clause', 'INSERT INTO t VALUES (%(a)s', { a: [1] }, 'not closed'],
    [
      'a list placeholder outside the clause',
      'INSERT INTO t SELECT %(a)s FROM x VALUES (%(a)s)',
      { a: [1] },
      '%(a)s',
    ],
  ])('refuses %s with INVALID_ARGUMENT naming it', (_what, sql, inputs, message) => {
    expect(() => bindBatchStatement(sql, inputs)).toThrow(
      expect.objectContaining({ message: expect.stringContaining(message) }),
    );
  });
});
