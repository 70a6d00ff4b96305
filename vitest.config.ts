import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Safety nets, not assertions: every wait in a test is for an event. Tests that start servers, child
    // processes or clusters take several times longer on a loaded machine than on a quiet one.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll gives up after 1 s by default: too soon for a child process or a cluster on a machine as
    // loaded as CI's can be. A poll that cannot succeed still fails, 20 s later.
    expect: { poll: { timeout: 20_000 } },
    // Crash and end-to-end tests start child processes and servers; two workers match the CI machine.
    maxWorkers: 2,
    // The pinned AWS SDK warns under Node 20 that later releases need Node 22; the SDK's own switch keeps
    // that out of test output (the CLI tests run eddy without it, as users do).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
