import { installNetworkGuard, type NetworkViolation } from './network-guard.js';

/**
 * For a Vitest setup file (`setupFiles`): installs the network guard in the worker and fails every test during
 * which something tried to leave loopback. Use with top-level await: `await guardVitestNetwork();`.
 */
export async function guardVitestNetwork(): Promise<void> {
  const { afterEach, expect } = await import('vitest');
  const violations: NetworkViolation[] = [];
  installNetworkGuard((violation) => violations.push(violation));
  afterEach(() => {
    const seen = violations.splice(0);
    expect(seen, 'connections that tried to leave loopback').toEqual([]);
  });
}
