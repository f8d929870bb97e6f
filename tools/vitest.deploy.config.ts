import { defineConfig } from 'vitest/config';

// The chart tests need helm and kubeconform, so they run on their own: `npm run test:deploy -w @org/tools`. The
// global setup installs those tools into the user cache on first use (src/deploy/ensure-tools.ts).
export default defineConfig({
  test: {
    include: ['test/deploy/**/*.test.ts'],
    globalSetup: ['test/deploy/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
