// Vitest setup file (vitest.config.ts `setupFiles`): every test fails if anything in its worker tried to leave
// loopback (a real Databricks workspace included).
import { afterEach, expect } from 'vitest';
import { installNetworkGuard, type NetworkViolation } from './network-guard.js';

const violations: NetworkViolation[] = [];
installNetworkGuard((violation) => violations.push(violation));

afterEach(() => {
  const seen = violations.splice(0);
  expect(seen, 'connections that tried to leave loopback').toEqual([]);
});
