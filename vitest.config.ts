import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'common/test/**/*.test.ts',
      'master/test/**/*.test.ts',
      'web/test/**/*.test.ts',
      'headless-worker/test/**/*.test.ts',
      'metrics/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // What the whole suite needs (dev images, browsers, Redis), checked once up front.
    globalSetup: ['test/support/prerequisites.ts'],
    // Browser tests share two cores: one file at a time keeps their timings sane.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
