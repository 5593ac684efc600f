// A master closing while the identity store still judges answers already in (worker-answers.ts: an answer is handled
// once its judging is done) waits for it before closing its stores: a liar caught by a spot check just before a
// SIGTERM is blacklisted for good, with nothing logged as lost.
import { afterEach, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { submitColours, useColourGold } from '../../test/support/colour-gold.ts';
import { capturedLog, closeWhileHandling } from '../../test/support/captured-log.ts';
import { holdCalls } from '../../test/support/held-calls.ts';
import { until } from '../../test/support/jobs-client.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';
import type { IdentityStore } from '../identity/identity-store.ts';

const colourGold = useColourGold();
const masters: TestMaster[] = [];
afterEach(async () => {
  for (const master of masters.splice(0)) await master.close();
});

it('judges a spot check answered before the master closed, its stores still open: the liar stays blacklisted', async () => {
  const { log, lines } = capturedLog();
  const dataDir = tempDataDir();
  // Every frame a new volunteer is dealt is all but surely a check.
  const overrides = { dataDir, goldDir: colourGold.dir(), goldFraction: 0.999, goldFractionNew: 0.999 };
  const first = await startTestMaster(overrides, {}, log);
  await submitColours(first.url, 3);
  // The identity store counts the check only once the test says so, as a slow one would; a master closing its
  // stores without waiting lets the count go on only then, against the closed store.
  const identityStore = (first.identities as unknown as { store: IdentityStore }).store;
  const recording = holdCalls(identityStore, 'recordSpotCheck');
  const liar = await SyntheticWorker.connect({ masterUrl: first.url, name: 'liar', credit: 1, onJob: (job, self) => self.succeed(job.header, 999) });
  await until(() => recording.count() > 0, 'a wrong answer to a check being counted');
  const gauge = await fetch(`${first.url}/metrics`).then((r) => r.text());
  expect(gauge).toMatch(/^browser_grid_answer_judgings_pending [1-9]\d*$/m);

  // Once no answer can arrive, the master waits on the answer being handled, its judging with it, and says so: the count goes on.
  await closeWhileHandling(first, lines, recording.release);
  liar.terminate();
  expect(lines.filter((line) => line.level >= 50)).toEqual([]);

  const reopened = await startTestMaster(overrides);
  masters.push(reopened);
  expect(await reopened.identities.trustRecord(liar.welcome.identity.workerId)).toMatchObject({
    blacklisted: true,
    blacklistedReason: expect.stringContaining('999'),
  });
});
