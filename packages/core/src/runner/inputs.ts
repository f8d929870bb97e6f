import { create, fromBinary } from '@bufbuild/protobuf';
import { parseYaml } from './yaml.js';
import { InvalidArgumentError } from '../errors.js';
import type { TaskTemplate } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import { SimpleType, type LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { InputsSchema, NamedLiteralSchema, type NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import { valueToLiteral, variableTypes } from '../literals/index.js';

/**
 * Parses the text of `--inputs` / `--inputs-file`: a JSON object (YAML is accepted too, JSON being YAML). Integers
 * are read exactly (as bigints), so an INTEGER input beyond ±2^53 keeps every digit.
 */
export function parseInputsText(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYaml(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  } catch (error) {
    throw new InvalidArgumentError(`${what}: not valid JSON (${firstLine((error as Error).message)})`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`${what}: expected a JSON object of input names to values`);
  }
  return value as Record<string, unknown>;
}

/**
 * Converts input values to literals by the template's declared input types (`valueToLiteral`), after accepting
 * what JSON can express: INTEGER from an integer number or a string of digits (for values beyond ±2^53), FLOAT
 * and DURATION from any number, BINARY from a base64 string. Every input must be declared.
 *
 * @throws InvalidArgumentError naming the input when it is undeclared or does not fit its type
 */
export function inputsToLiterals(
  values: Readonly<Record<string, unknown>>,
  template: TaskTemplate,
): NamedLiteral[] {
  const types = variableTypes(template.interface?.inputs?.variables);
  const literals: NamedLiteral[] = [];
  for (const [name, value] of Object.entries(values)) {
    const type = types.get(name);
    if (type === undefined) {
      const declared = [...types.keys()];
      throw new InvalidArgumentError(
        `Input '${name}' is not declared by the task (declared: ${declared.length === 0 ? 'none' : declared.join(', ')}).`,
      );
    }
    if (value === undefined) continue;
    const literal = valueToLiteral(coerce(value, type, name), type, name, { role: 'input' });
    literals.push(create(NamedLiteralSchema, { name, value: literal }));
  }
  return literals;
}

/** Adapts JSON-shaped values to what `valueToLiteral` expects for the declared type. */
function coerce(value: unknown, type: LiteralType, path: string): unknown {
  const t = type.type;
  switch (t.case) {
    case 'simple':
      return coerceSimple(value, t.value, path);
    case 'collectionType':
      return Array.isArray(value) ? value.map((item, i) => coerce(item, t.value, `${path}[${i}]`)) : value;
    case 'mapValueType':
      return isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerce(v, t.value, `${path}.${k}`)]))
        : value;
    case 'unionType': {
      // Bigints only fit INTEGER; elsewhere a JSON integer means a number.
      const hasInteger = t.value.variants.some(
        (v) => v.type.case === 'simple' && v.type.value === SimpleType.INTEGER,
      );
      return typeof value === 'bigint' && !hasInteger ? Number(value) : value;
    }
    default:
      return value;
  }
}

function coerceSimple(value: unknown, simple: SimpleType, path: string): unknown {
  switch (simple) {
    case SimpleType.INTEGER:
      if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return BigInt(value.trim());
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new InvalidArgumentError(
          `Input '${path}': integer beyond ±2^53 cannot be exact as a JSON number; pass it as a string of digits.`,
        );
      }
      return value;
    case SimpleType.FLOAT:
    case SimpleType.DURATION:
      return typeof value === 'bigint' ? Number(value) : value;
    case SimpleType.BINARY:
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value;
    default:
      return value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * Reads a serialized literal map, as pyflyte and flytekit write inputs (`flyteidl.core.LiteralMap`) or flyte-sdk
 * writes them (`flyteidl2.task.Inputs`): the two share their wire form (a map is a repeated entry message).
 */
export function parseLiteralMap(bytes: Uint8Array, what: string): NamedLiteral[] {
  try {
    return fromBinary(InputsSchema, bytes).literals;
  } catch (error) {
    throw new InvalidArgumentError(
      `${what} is not a serialized literal map (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}
