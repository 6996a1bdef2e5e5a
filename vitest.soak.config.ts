import { defineConfig } from 'vitest/config';

// `npm run test:soak`: long fault runs kept out of `npm test`, repeated to shake out rare failures.
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts', 'test/integration/*-sigkill.test.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
