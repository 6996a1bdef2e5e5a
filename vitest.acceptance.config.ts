import { defineConfig } from 'vitest/config';

// `npm run test:acceptance`: acceptance soaks that take minutes each (kept out of `npm test`).
export default defineConfig({
  test: {
    include: ['test/acceptance/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 1_200_000,
    hookTimeout: 300_000,
  },
});
