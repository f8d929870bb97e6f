import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests that need more than Node and npm (buildah, helm) have their own configs and commands.
    include: ['test/**/*.test.ts'],
    exclude: ['test/image/**', 'test/deploy/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
