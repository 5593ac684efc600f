// A real master on an ephemeral port with a fresh data directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeConfig, type Config } from '../../master/config.ts';
import type { Logger } from '../../master/log.ts';
import { startMaster, type Master, type MasterParts } from '../../master/server.ts';
import { defaultModelDir } from './paths.ts';

export interface TestMaster extends Master {
  config: Config;
  dataDir: string;
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'grid-test-'));
}

/**
 * Every test master takes this fleet token: a test worker that presents it (hello.fleetToken) is trusted,
 * one that does not is a volunteer, as on a real master.
 */
export const TEST_FLEET_TOKEN = 'fleet-token-of-the-test-masters';

/**
 * Test masters settle a job on one volunteer's answer (a new identity's credibility, 1 − SABOTEUR_FRACTION = 0.9,
 * reaches 1 − 0.2), so tests of other things can use one volunteer worker. Tests of verification
 * (master/test/verification.test.ts, test/e2e/verification.test.ts) set the real default, 0.001.
 */
export const TEST_TARGET_ERROR = 0.2;
/** Nor does a lone volunteer's close call wait for a second (a real page's answer on a low-margin dev image); tests of it set 0.1. */
export const TEST_CLOSE_CALL_MARGIN = 0;
/** Nor need that volunteer have passed a spot check; tests of the rule set 1. */
export const TEST_MIN_CHECKS_TO_VERIFY = 0;

/** `parts` swaps a part of the master for the test's own (e.g. a preparer that fails); `log` reads what it logs. */
export async function startTestMaster(overrides: Partial<Record<keyof Config, unknown>> = {}, parts: MasterParts = {}, log?: Logger): Promise<TestMaster> {
  const dataDir = (overrides.dataDir as string | undefined) ?? tempDataDir();
  const config = makeConfig({
    port: 0,
    host: '127.0.0.1',
    modelDir: defaultModelDir,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests poll from one address far faster than any client should; the rate limit has its own test.
    apiRequestsPerWindow: 1_000_000,
    // Nor does one address usually mint thirty identities an hour; the bound has its own test.
    maxNewIdentitiesPerAddress: 1_000_000,
    fleetToken: TEST_FLEET_TOKEN,
    targetError: TEST_TARGET_ERROR,
    closeCallMargin: TEST_CLOSE_CALL_MARGIN,
    minChecksToVerify: TEST_MIN_CHECKS_TO_VERIFY,
    ...overrides,
    dataDir,
  });
  const master = await startMaster(config, log, parts);
  return { ...master, config, dataDir };
}
