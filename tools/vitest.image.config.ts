import { defineConfig } from 'vitest/config';

// The image test needs buildah (see images/README.md); `npm run test:image -w @org/tools` runs it.
export default defineConfig({
  test: {
    include: ['test/image/**/*.test.ts'],
    // One image build on the vfs storage driver takes minutes on a loaded machine.
    testTimeout: 120_000,
    hookTimeout: 900_000,
  },
});
