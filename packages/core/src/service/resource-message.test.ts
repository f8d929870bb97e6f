import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { InternalError, type ConnectorError } from '../errors.js';
import { TaskExecution_Phase, TaskLog_LinkType } from '../gen/v2/flyteidl2/core/execution_pb.js';
import { LiteralTypeSchema, SimpleType, type LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { literalToValue } from '../literals/index.js';
import { PHASE_NUMBERS, TASK_PHASES } from '../phase.js';
import type { Resource } from '../resource.js';
import { toResourceMessage } from './resource-message.js';

const simple = (value: SimpleType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'simple', value } });
const listOf = (value: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'collectionType', value } });

const OUTPUT_TYPES = new Map<string, LiteralType>([
  ['rows', simple(SimpleType.INTEGER)],
  ['ratio', simple(SimpleType.FLOAT)],
  ['tags', listOf(simple(SimpleType.STRING))],
]);

function errorOf(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected toResourceMessage to throw');
}

describe('toResourceMessage', () => {
  it.each(TASK_PHASES)('maps phase %s to its wire number', (phase) => {
    const message = toResourceMessage({ phase }, new Map(), 'conn');
    expect(message.phase).toBe(PHASE_NUMBERS[phase]);
  });

  it('uses the Flyte wire numbers of the phases', () => {
    expect(toResourceMessage({ phase: 'SUCCEEDED' }, new Map(), 'c').phase).toBe(
      TaskExecution_Phase.SUCCEEDED,
    );
    expect(toResourceMessage({ phase: 'RETRYABLE_FAILED' }, new Map(), 'c').phase).toBe(
      TaskExecution_Phase.RETRYABLE_FAILED,
    );
  });

  it('builds a minimal resource with an empty message, no outputs and no links', () => {
    const message = toResourceMessage({ phase: 'RUNNING' }, OUTPUT_TYPES, 'conn');
    expect(message.message).toBe('');
    expect(message.outputs).toBeUndefined();
    expect(message.logLinks).toEqual([]);
    expect(message.customInfo).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['an unknown phase', { phase: 'DONE' }, "'DONE'"],
    ['a lower-case phase', { phase: 'succeeded' }, "'succeeded'"],
    ['UNDEFINED', { phase: 'UNDEFINED' }, "'UNDEFINED'"],
    ['a numeric phase', { phase: 3 }, 'number'],
    ['no phase', { message: 'x' }, 'undefined'],
    ['undefined instead of a resource', undefined, 'undefined'],
    ['null instead of a resource', null, 'object'],
  ])('refuses %s with an INTERNAL error naming the connector', (_name, resource, got) => {
    const error = errorOf(() => toResourceMessage(resource as Resource, new Map(), 'BigQuery'));
    expect(error).toBeInstanceOf(InternalError);
    expect(error.kind).toBe('INTERNAL');
    expect(error.message).toBe(
      `Connector 'BigQuery' returned a resource without a valid phase (got ${got}).`,
    );
  });

  it('shortens a long invalid phase in the message', () => {
    const error = errorOf(() =>
      toResourceMessage({ phase: 'X'.repeat(500) } as unknown as Resource, new Map(), 'c'),
    );
    expect(error.message).toContain(`'${'X'.repeat(40)}'`);
    expect(error.message).not.toContain('X'.repeat(41));
  });

  it('converts outputs by their declared types, in declaration order', () => {
    const message = toResourceMessage(
      { phase: 'SUCCEEDED', outputs: { tags: ['a', 'b'], rows: 12, ratio: 0.5 } },
      OUTPUT_TYPES,
      'conn',
    );
    const literals = message.outputs?.literals ?? [];
    expect(literals.map((literal) => literal.name)).toEqual(['rows', 'ratio', 'tags']);
    const rows = literals[0]!.value!;
    expect(rows.value.case).toBe('scalar');
    expect(literalToValue(rows, OUTPUT_TYPES.get('rows'), 'rows')).toBe(12n);
    expect(literalToValue(literals[1]!.value!, OUTPUT_TYPES.get('ratio'), 'ratio')).toBe(0.5);
    expect(literalToValue(literals[2]!.value!, OUTPUT_TYPES.get('tags'), 'tags')).toEqual(['a', 'b']);
  });

  it('sends a float output declared as FLOAT even when the JS value is a whole number', () => {
    const message = toResourceMessage({ phase: 'SUCCEEDED', outputs: { ratio: 2 } }, OUTPUT_TYPES, 'conn');
    const literal = message.outputs!.literals[0]!.value!;
    if (literal.value.case !== 'scalar' || literal.value.value.value.case !== 'primitive') {
      throw new Error('expected a primitive');
    }
    expect(literal.value.value.value.value.value).toEqual({ case: 'floatValue', value: 2 });
  });

  it('sends an empty outputs message for an empty outputs object', () => {
    const message = toResourceMessage({ phase: 'SUCCEEDED', outputs: {} }, OUTPUT_TYPES, 'conn');
    expect(message.outputs).toBeDefined();
    expect(message.outputs!.literals).toEqual([]);
  });

  it('refuses an output that does not fit its declared type, or is not declared, as INTERNAL naming it', () => {
    const mismatch = errorOf(() =>
      toResourceMessage({ phase: 'SUCCEEDED', outputs: { rows: 'twelve' } }, OUTPUT_TYPES, 'conn'),
    );
    expect(mismatch).toBeInstanceOf(InternalError);
    expect(mismatch.message).toContain("Output 'rows'");

    const undeclared = errorOf(() =>
      toResourceMessage({ phase: 'SUCCEEDED', outputs: { extra: 1 } }, OUTPUT_TYPES, 'conn'),
    );
    expect(undeclared).toBeInstanceOf(InternalError);
    expect(undeclared.message).toContain("Output 'extra'");
  });

  it('maps log link kinds to TaskLog link types, defaulting to an external log that is ready', () => {
    const message = toResourceMessage(
      {
        phase: 'RUNNING',
        message: 'query running',
        logLinks: [
          { name: 'Logs', uri: 'https://logs/1' },
          { name: 'Console', uri: 'https://console/1', kind: 'dashboard' },
          { name: 'Notebook', uri: 'https://ide/1', kind: 'ide', ready: false },
          { name: 'Explicit', uri: 'https://logs/2', kind: 'log', ready: true },
        ],
      },
      new Map(),
      'conn',
    );
    expect(message.message).toBe('query running');
    expect(
      message.logLinks.map(({ name, uri, linkType, ready }) => ({ name, uri, linkType, ready })),
    ).toEqual([
      { name: 'Logs', uri: 'https://logs/1', linkType: TaskLog_LinkType.EXTERNAL, ready: true },
      { name: 'Console', uri: 'https://console/1', linkType: TaskLog_LinkType.DASHBOARD, ready: true },
      { name: 'Notebook', uri: 'https://ide/1', linkType: TaskLog_LinkType.IDE, ready: false },
      { name: 'Explicit', uri: 'https://logs/2', linkType: TaskLog_LinkType.EXTERNAL, ready: true },
    ]);
  });

  it('passes custom info through', () => {
    const customInfo = { bytesBilled: 2048, tokens: { input: 10, output: 3 }, cached: false };
    const message = toResourceMessage({ phase: 'SUCCEEDED', customInfo }, new Map(), 'conn');
    expect(message.customInfo).toEqual(customInfo);
  });
});
