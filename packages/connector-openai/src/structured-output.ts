import { InvalidArgumentError, type LiteralType } from '@org/connector-core';

/** The output flytekit's ChatGPTTask declares: the first choice's content. */
export const CHAT_OUTPUT = 'o0';

const SIMPLE_STRING = 3;
const SIMPLE_STRUCT = 9;

type JsonSchema = Readonly<Record<string, unknown>>;

/** How the answer is shaped: plain text (flytekit's `o0: str`), or a JSON object for a STRUCT output. */
export type AnswerShape =
  { readonly kind: 'text' } | { readonly kind: 'json'; readonly schema: JsonSchema | undefined };

/** Reads the declared type of `o0`; anything but STRING or STRUCT is refused before the model is paid for. */
export function answerShape(outputTypes: ReadonlyMap<string, LiteralType>): AnswerShape {
  const type = outputTypes.get(CHAT_OUTPUT);
  if (type === undefined) return { kind: 'text' };
  // Core's public API does not export the SimpleType enum; its wire numbers are stable (flyteidl types.proto).
  const simple: number | undefined = type.type.case === 'simple' ? type.type.value : undefined;
  if (simple === SIMPLE_STRING) return { kind: 'text' };
  if (simple === SIMPLE_STRUCT) {
    return { kind: 'json', schema: objectSchema(type.metadata) };
  }
  throw new InvalidArgumentError(
    `Output '${CHAT_OUTPUT}' must be declared as a string or a STRUCT (dict, dataclass, pydantic model); found ${type.type.case ?? 'no type'}.`,
  );
}

/**
 * The `response_format` for a JSON answer: the JSON schema flytekit stores in a dataclass or pydantic type's
 * metadata when there is one (`json_schema`, so the model is held to it), otherwise `json_object`.
 */
export function responseFormat(shape: AnswerShape & { kind: 'json' }): Record<string, unknown> {
  if (shape.schema === undefined) return { type: 'json_object' };
  const title = typeof shape.schema['title'] === 'string' ? shape.schema['title'] : CHAT_OUTPUT;
  return {
    type: 'json_schema',
    json_schema: {
      name: title.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || CHAT_OUTPUT,
      schema: shape.schema,
    },
  };
}

/**
 * OpenAI refuses `json_object` unless the conversation mentions JSON; a system message saying what is wanted
 * keeps the user's message unchanged.
 */
export const JSON_INSTRUCTION = 'Answer with a single JSON object and nothing else.';

/** The parsed answer, or why it is not the JSON object the output needs (for a FAILED phase). */
export function parseJsonAnswer(
  content: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `the answer is not valid JSON (${reason})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      problem: `the answer is JSON but not an object (${Array.isArray(value) ? 'array' : typeof value})`,
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function objectSchema(metadata: LiteralType['metadata']): JsonSchema | undefined {
  if (metadata === undefined) return undefined;
  const looksLikeSchema = metadata['type'] === 'object' || typeof metadata['properties'] === 'object';
  return looksLikeSchema ? metadata : undefined;
}
