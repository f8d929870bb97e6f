import { InternalError, InvalidArgumentError, type ConnectorError } from '../errors.js';

/**
 * Which side of the task a converted variable belongs to. It decides the wording of errors ("input 'x'") and
 * who is at fault: a bad input is the caller's mistake, a bad output is the connector's bug.
 */
export type Role = 'input' | 'output';

/** Deeper nesting than this is refused: it protects the (recursive) converters against abusive payloads. */
export const MAX_DEPTH = 64;

/** Where in a variable a conversion is: the path for messages and the nesting depth for the guard. */
export interface Location {
  readonly path: string;
  readonly depth: number;
}

/**
 * A conversion failure before it is attributed to a role. Converters throw this so that a union can try its
 * variants without caring about roles, and the public entry points turn it into the right ConnectorError.
 */
export class ConversionProblem extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    /** A fatal problem (the nesting guard) is not a mismatch: no union variant could do better. */
    readonly fatal = false,
  ) {
    super(`'${path}': ${problem}`);
    this.name = 'ConversionProblem';
  }
}

export function fail(at: Location, problem: string): never {
  throw new ConversionProblem(at.path, problem);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_KEY_IN_PATH = 64;

/** The location of a collection element. */
export function atIndex(at: Location, index: number): Location {
  return enter(at, `${at.path}[${index}]`);
}

/** The location of a map or struct entry; odd keys are quoted (and shortened) so the path stays readable. */
export function atKey(at: Location, key: string): Location {
  if (IDENTIFIER.test(key) && key.length <= MAX_KEY_IN_PATH) return enter(at, `${at.path}.${key}`);
  const shown = key.length <= MAX_KEY_IN_PATH ? key : `${key.slice(0, MAX_KEY_IN_PATH)}…`;
  return enter(at, `${at.path}[${JSON.stringify(shown)}]`);
}

/** The same value seen through one more level of wrapping (a union). */
export function deeper(at: Location): Location {
  return enter(at, at.path);
}

function enter(at: Location, path: string): Location {
  const depth = at.depth + 1;
  if (depth > MAX_DEPTH) {
    throw new ConversionProblem(at.path, `nested deeper than ${MAX_DEPTH} levels`, true);
  }
  return { path, depth };
}

/** Runs a conversion and attributes any ConversionProblem to the role's error class. */
export function attributed<T>(role: Role, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof ConversionProblem) throw roleError(role, error.path, error.problem);
    throw error;
  }
}

export function roleError(role: Role, path: string, problem: string): ConnectorError {
  const message = `${role === 'input' ? 'Input' : 'Output'} '${path}': ${problem}.`;
  return role === 'input' ? new InvalidArgumentError(message) : new InternalError(message);
}
