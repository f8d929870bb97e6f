import { create } from '@bufbuild/protobuf';
import type { VariableEntry } from '../gen/v2/flyteidl2/core/interface_pb.js';
import { SimpleType, type LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { NamedLiteralSchema, type NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import { InvalidArgumentError } from '../errors.js';
import { roleError } from './problem.js';
import { valueToLiteral, type ValueToLiteralOptions } from './to-literal.js';
import { literalToValue } from './to-value.js';

/** The declared type of each variable of an interface; variables declared without a type are left out. */
export function variableTypes(variables: readonly VariableEntry[] | undefined): Map<string, LiteralType> {
  const types = new Map<string, LiteralType>();
  for (const entry of variables ?? []) {
    const type = entry.value?.type;
    if (type !== undefined) types.set(entry.key, type);
  }
  return types;
}

/**
 * The declared output types by name, refusing a declaration core cannot build a literal for (a simple type outside
 * the enum, at any depth): that is the task's mistake, and it is caught at create instead of blaming the connector
 * when its outputs arrive.
 */
export function declaredOutputTypes(
  variables: readonly VariableEntry[] | undefined,
): Map<string, LiteralType> {
  const types = variableTypes(variables);
  for (const [name, type] of types) {
    const problem = unknownSimpleType(type, 0);
    if (problem !== undefined) {
      throw new InvalidArgumentError(
        `The task's output '${name}' declares ${problem}, which Flyte does not define.`,
      );
    }
  }
  return types;
}

function unknownSimpleType(type: LiteralType, depth: number): string | undefined {
  // Deeper than any real interface; the wire limits nesting anyway.
  if (depth > 64) return undefined;
  switch (type.type.case) {
    case 'simple':
      return SimpleType[type.type.value] === undefined ? `simple type ${type.type.value}` : undefined;
    case 'collectionType':
    case 'mapValueType':
      return unknownSimpleType(type.type.value, depth + 1);
    case 'unionType':
      for (const variant of type.type.value.variants) {
        const problem = unknownSimpleType(variant, depth + 1);
        if (problem !== undefined) return problem;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Converts a task's input literals to JS values, driven by the declared input variables.
 *
 * Declared inputs that were not sent (Flyte leaves out defaults) are absent from the result. Inputs without a
 * declared type (no interface, or an extra literal) are converted by their own shape as a fallback.
 *
 * @throws InvalidArgumentError naming the variable (and the path inside it) when a literal does not match its
 *   declared type, is an error or offloaded literal, is sent twice, or nests deeper than 64 levels
 */
export function literalsToValues(
  literals: readonly NamedLiteral[],
  variables: readonly VariableEntry[] | undefined,
): Record<string, unknown> {
  const types = variableTypes(variables);
  const seen = new Set<string>();
  const entries: [string, unknown][] = [];
  for (const { name, value } of literals) {
    if (seen.has(name)) throw roleError('input', name, 'given more than once');
    seen.add(name);
    if (value === undefined) throw roleError('input', name, 'the named literal has no value');
    entries.push([name, literalToValue(value, types.get(name), name, { role: 'input' })]);
  }
  // fromEntries defines own properties, so an input named `__proto__` cannot reach the prototype.
  return Object.fromEntries(entries);
}

/**
 * Converts a connector's output values to literals of the declared output types, in declaration order.
 *
 * A declared output whose value is missing or `undefined` is not emitted (connectors may legitimately produce
 * no value; return `null` for an explicit None).
 *
 * @throws InternalError naming the output (and the path inside it) when a value has no declared output or does
 *   not fit its declared type: either is a bug in the connector, not in the caller's request
 */
export function valuesToLiterals(
  values: Readonly<Record<string, unknown>>,
  types: ReadonlyMap<string, LiteralType>,
  options: Pick<ValueToLiteralOptions, 'structEncoding'> = {},
): NamedLiteral[] {
  for (const name in values) {
    if (Object.hasOwn(values, name) && values[name] !== undefined && !types.has(name)) {
      throw roleError('output', name, 'not a declared output of the task (or declared without a type)');
    }
  }
  const literals: NamedLiteral[] = [];
  const outputOptions: ValueToLiteralOptions = { ...options, role: 'output' };
  for (const [name, type] of types) {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) continue;
    const literal = valueToLiteral(value, type, name, outputOptions);
    literals.push(create(NamedLiteralSchema, { name, value: literal }));
  }
  return literals;
}
