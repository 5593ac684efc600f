import { defineConfig } from 'vitest/config';

const ALL = [
  'common/test/**/*.test.ts',
  'master/test/**/*.test.ts',
  'web/test/**/*.test.ts',
  'headless-worker/test/**/*.test.ts',
  'metrics/test/**/*.test.ts',
  'test/**/*.test.ts',
];

/**
 * Files that drive browsers, run the model, or start processes of their own (masters, fleets, benches, builds): on two
 * cores, two of them at once slow each other past their deadlines, so they run one at a time (`npm run test:serial`).
 * Every other file mostly waits on sockets, Redis and timers, and they run side by side (`npm run test:parallel`).
 * test/docs/test-split.test.ts checks that every file doing any of that is listed here.
 */
export const SERIAL = [
  'test/ui/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/build/**/*.test.ts',
  'headless-worker/test/**/*.test.ts',
  'metrics/test/**/*.test.ts',
  'web/test/classifier-warm-up.test.ts',
  'test/client/batch-submit.test.ts',
  'test/client/submit-run.test.ts',
  'test/docs/readme-references.test.ts',
  'master/test/cluster-masters.test.ts',
  'master/test/cluster-start-node-down.test.ts',
  'master/test/damaged-store-files.test.ts',
  'master/test/data-dir-lock.test.ts',
  'master/test/descriptors-exhausted.test.ts',
  'master/test/master-watch.test.ts',
  'master/test/model-files.test.ts',
  'master/test/multi-master.test.ts',
  'master/test/open-file-limit.test.ts',
  'master/test/recovery.test.ts',
  'master/test/relay-unreadable-messages.test.ts',
  'master/test/shutdown-deadline.test.ts',
];

export default defineConfig({
  test: {
    // What the whole suite needs (dev images, browsers, Redis), checked once up front.
    globalSetup: ['test/support/prerequisites.ts'],
    // One file at a time unless asked otherwise (test:parallel asks).
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'parallel', include: ALL, exclude: SERIAL } },
      { extends: true, test: { name: 'serial', include: SERIAL } },
    ],
  },
});
