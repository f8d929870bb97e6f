import { literalType } from '@org/connector-core/testing';
import { describe, expect, it } from 'vitest';
import { answerShape, parseJsonAnswer, responseFormat } from './structured-output.js';

describe('structured output', () => {
  it('answers in text for a string o0 (or none) and in JSON for a STRUCT', () => {
    expect(answerShape(new Map())).toEqual({ kind: 'text' });
    expect(answerShape(new Map([['o0', literalType('STRING')]]))).toEqual({ kind: 'text' });
    expect(answerShape(new Map([['o0', literalType('STRUCT')]]))).toEqual({
      kind: 'json',
      schema: undefined,
    });
    expect(() => answerShape(new Map([['o0', literalType('INTEGER')]]))).toThrow(/string or a STRUCT/);
  });

  it('uses the JSON schema a dataclass type carries', () => {
    const schema = { title: 'Answer', type: 'object', properties: { n: { type: 'integer' } } };
    const shape = answerShape(new Map([['o0', { ...literalType('STRUCT'), metadata: schema }]]));
    expect(shape.kind === 'json' && responseFormat(shape)).toEqual({
      type: 'json_schema',
      json_schema: { name: 'Answer', schema },
    });
  });

  it('parses objects and explains anything else', () => {
    expect(parseJsonAnswer('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonAnswer('[1]')).toMatchObject({ ok: false, problem: expect.stringContaining('array') });
    expect(parseJsonAnswer('nope')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('not valid JSON'),
    });
  });
});
