import { ConnectorCallError } from '@org/connector-core';

/** Runs a call that must fail and returns the ConnectorCallError (its kind mirrors the gRPC status). */
export async function callError(call: Promise<unknown>): Promise<ConnectorCallError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ConnectorCallError) return error;
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A parameter list sorted by name, for comparisons that should not depend on input order. */
export function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.name.localeCompare(b.name));
}
