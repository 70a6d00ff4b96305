import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Crash and end-to-end tests start child processes and servers; two workers match the CI machine.
    maxWorkers: 2,
    // The pinned AWS SDK warns under Node 20 that later releases need Node 22; the SDK's own switch keeps
    // that out of test output (the CLI tests run eddy without it, as users do).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
