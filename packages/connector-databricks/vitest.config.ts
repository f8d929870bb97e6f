import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Service tests start the connector service and the local Jobs backend; leave room on a loaded machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Refuses (and fails the test on) any connection that is not to loopback.
    setupFiles: ['test/setup/vitest-network-guard.ts'],
  },
});
