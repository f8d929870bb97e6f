import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Service tests start the connector service and the local Snowflake backend; leave room on a loaded machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: {
      // snowflake-sdk probes cloud metadata services at load time unless told not to.
      SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
    },
    // Refuses (and fails the test on) any connection that is not to loopback.
    setupFiles: ['test/setup/vitest-network-guard.ts'],
  },
});
