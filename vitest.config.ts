import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Crash and end-to-end tests start child processes and servers; two workers match the CI machine.
    maxWorkers: 2,
  },
});
