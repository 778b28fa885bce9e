import { defineConfig } from 'vitest/config';

// The SDK's Node.js support notice is noise in test output.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // One kinesis-local process is shared; files run one at a time so the 2-core CI box is not oversubscribed.
          fileParallelism: false,
        },
      },
    ],
  },
});
