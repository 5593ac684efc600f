// GET /api/verification against real masters: what it says a volunteer's answer can do follows the master's
// own settings and whether it deals spot checks (a gold folder of one dev image), so the board and the worker
// page never promise a verification that cannot happen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import type { VerificationPolicyView } from '../api-types.ts';

let goldDir: string;
beforeAll(() => {
  goldDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-gold-'));
  const [image] = devImages(1);
  fs.copyFileSync(image!.path, path.join(goldDir, 'gold.jpg'));
  fs.writeFileSync(path.join(goldDir, 'gold.csv'), `file,index,margin\ngold.jpg,${image!.index},0.9\n`);
});
afterAll(() => fs.rmSync(goldDir, { recursive: true, force: true }));

describe('GET /api/verification', () => {
  let master: TestMaster | undefined;
  afterEach(async () => {
    await master?.close();
    master = undefined;
  });

  async function policyOf(overrides: Record<string, unknown>): Promise<VerificationPolicyView> {
    master = await startTestMaster(overrides);
    const response = await fetch(`${master.url}/api/verification`);
    expect(response.status).toBe(200);
    return (await response.json()) as VerificationPolicyView;
  }

  it('says volunteers cannot verify a job on a master with no spot checks that wants a passed one', async () => {
    expect(await policyOf({ minChecksToVerify: 1, maxReplicas: 4, targetError: 0.001 })).toEqual({
      spotChecks: false,
      minChecksToVerify: 1,
      volunteersCanVerify: false,
      maxReplicas: 4,
      targetError: 0.001,
    });
  });

  it('says they can when no passed check is asked for', async () => {
    expect(await policyOf({ minChecksToVerify: 0 })).toMatchObject({ spotChecks: false, volunteersCanVerify: true });
  });

  it('says they can, and that it deals spot checks, with a gold folder', async () => {
    expect(await policyOf({ minChecksToVerify: 1, goldDir })).toMatchObject({ spotChecks: true, minChecksToVerify: 1, volunteersCanVerify: true });
  });
});
