import type { LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { describeType } from './describe.js';
import { ConversionProblem, fail, type Location } from './problem.js';

const MAX_REASONS_TEXT = 400;

/**
 * The result of the first union variant whose conversion succeeds, in declared order. Mismatches are collected
 * for the error message; fatal problems (the nesting guard) and foreign errors end the search at once.
 */
export function firstAccepting<T>(
  union: LiteralType,
  variants: readonly LiteralType[],
  attempt: (variant: LiteralType) => T,
  found: string,
  at: Location,
): { variant: LiteralType; result: T } {
  const reasons: string[] = [];
  for (const variant of variants) {
    try {
      return { variant, result: attempt(variant) };
    } catch (error) {
      if (!(error instanceof ConversionProblem) || error.fatal) throw error;
      const where = error.path === at.path ? '' : `at '${error.path}' `;
      reasons.push(`${describeType(variant)}: ${where}${error.problem}`);
    }
  }
  let text = reasons.join('; ');
  if (text.length > MAX_REASONS_TEXT) text = `${text.slice(0, MAX_REASONS_TEXT)}…`;
  return fail(at, `no variant of ${describeType(union)} accepts ${found}${text === '' ? '' : ` (${text})`}`);
}
