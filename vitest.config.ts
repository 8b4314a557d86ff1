import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/temp-root.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Test processes that open onnxruntime sessions keep its telemetry off, as `m4c` does (docs/cli.md).
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
