import { literalType } from '@org/connector-core/testing';
import { describe, expect, it } from 'vitest';
import { namedParameters, parameterMarkers } from './parameters.js';

describe('parameterMarkers', () => {
  it('finds :name markers in order of first use', () => {
    expect(parameterMarkers('SELECT * FROM t WHERE a = :a AND b IN (:b, :a) LIMIT :n')).toEqual([
      'a',
      'b',
      'n',
    ]);
  });

  it('skips string literals, quoted identifiers and comments', () => {
    const sql = `SELECT ':x', ":y", \`:z\`, 'it''s :q' -- :c
      /* :d /* nested :e */ :f */ FROM t WHERE v = :real`;
    expect(parameterMarkers(sql)).toEqual(['real']);
  });

  it('does not take :: casts or the JSON path operator for markers', () => {
    expect(parameterMarkers('SELECT raw:owner, raw:store.bicycle, x::int, (y):z, :p::string FROM t')).toEqual(
      ['p'],
    );
  });
});

describe('namedParameters', () => {
  const types = new Map([
    ['n', literalType('INTEGER')],
    ['ratio', literalType('FLOAT')],
    ['whole', literalType('FLOAT')],
    ['day', literalType('STRING')],
    ['ok', literalType('BOOLEAN')],
    ['at', literalType('DATETIME')],
    ['wait', literalType('DURATION')],
  ]);

  it('types each parameter by its declared Flyte type, not by its JS value', () => {
    const at = new Date('2026-11-21T10:00:00Z');
    const parameters = namedParameters(
      'SELECT :n, :ratio, :whole, :day, :ok, :at, :ids, :none',
      { n: 5n, ratio: 0.5, whole: 3, day: 'd', ok: true, at, ids: [1n, 2n], none: null, unused: 'x' },
      types,
    );
    expect(parameters).toEqual([
      { name: 'n', value: 5n, type: 'BIGINT' },
      { name: 'ratio', value: 0.5, type: 'DOUBLE' },
      // A float input holding a whole number stays DOUBLE (the SDK alone would infer INTEGER).
      { name: 'whole', value: 3, type: 'DOUBLE' },
      { name: 'day', value: 'd', type: 'STRING' },
      { name: 'ok', value: true, type: 'BOOLEAN' },
      { name: 'at', value: at, type: 'TIMESTAMP' },
      { name: 'ids', value: '["1","2"]', type: 'STRING' },
      { name: 'none', value: null, type: undefined },
    ]);
  });

  it('refuses a marker without an input, and values the warehouse cannot take, naming them', () => {
    expect(() => namedParameters('SELECT :nope', { n: 1n }, types)).toThrow(/:nope.*inputs: n/);
    expect(() => namedParameters('SELECT :wait', { wait: 1000 }, types)).toThrow(/input 'wait'.*duration/);
    expect(() => namedParameters('SELECT :b', { b: new Uint8Array([1]) }, types)).toThrow(
      /input 'b'.*binary/,
    );
  });
});
