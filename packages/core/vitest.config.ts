import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests spawn the service; give process start-up room on a loaded 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    server: {
      deps: {
        // @flyteorg/flyteidl2 ships TypeScript sources; the test clients import them, so Vite must transform them.
        inline: [/@flyteorg\/flyteidl2/],
      },
    },
  },
});
