// Right answers from volunteers nobody trusts, end to end at the default verification policy: four
// real headless Chromium pages (each its own identity, no fleet token) classify real images beside a liar and a
// colluding pair (synthetic workers on the real protocol), with spot checks drawn from dev images whose answers the
// served model gave. A browser cannot pick its source address, so the four pages share 127.0.0.1, as volunteers behind
// one NAT do: the master counts all four (MAX_VOTERS_PER_NETWORK 4, its one setting off the defaults), and each
// saboteur comes from an address of its own, the worst case. Every final result must be what an honest page says; no job may end on a saboteur's word;
// each saboteur that met a spot check is blacklisted, refused on return, and its votes stop counting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { JobDetailView } from '../../master/api-types.ts';
import { CloseCode } from '../../master/protocol.ts';
import { makeGoldAnswers } from '../../metrics/gold-answers.ts';
import { SyntheticWorker, WorkerRefusedError } from '../../metrics/synthetic-worker.ts';
import { settled, submit, uploadsFrom } from '../support/jobs-client.ts';
import { devImages, devImagesDir } from '../support/paths.ts';
import { startTestMaster, type TestMaster } from '../support/test-master.ts';

const GOLD = devImages(60).slice(30);
const JOBS = devImages(30);
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-verification-'));

let master: TestMaster;
let fleet: Fleet;
/** What an honest page says for each job's image as it receives it (prepared by the master): the model's answer, not ImageNet's label. */
let honest: Map<string, number>;
const saboteurs: SyntheticWorker[] = [];

beforeAll(async () => {
  const answers = path.join(workDir, 'gold.csv');
  const made = await makeGoldAnswers({ images: devImagesDir, files: GOLD.map((image) => image.file), out: answers, minMargin: 0 });
  // The jobs need only their honest answers, not stability under re-encoding: top1s holds the original's answer,
  // then its prepared form's (what an uploaded job's worker receives).
  const jobAnswers = path.join(workDir, 'jobs.csv');
  const jobs = await makeGoldAnswers({ images: devImagesDir, files: JOBS.map((image) => image.file), out: jobAnswers, minMargin: 0, reencodings: 0 });
  honest = new Map(jobs.candidates.map((candidate) => [candidate.file, candidate.top1s[1]!]));
  // Gold: the stable, wide-margin ones among the gold images only (made with minMargin 0 to learn every job's answer too).
  const goldRows = made.rows.filter((row) => GOLD.some((image) => image.file === row.file) && row.margin >= 0.5);
  fs.writeFileSync(answers, ['file,index,margin', ...goldRows.map((row) => `${row.file},${row.index},${row.margin}`)].join('\n') + '\n');
  master = await startTestMaster({
    targetError: 0.001,
    saboteurFraction: 0.1,
    maxReplicas: 5,
    closeCallMargin: 0.1,
    minChecksToVerify: 1,
    maxVotersPerNetwork: 4,
    goldDir: devImagesDir,
    goldAnswers: answers,
    goldFraction: 0.3,
  });
  fleet = startFleet({ masterUrl: master.url, workers: 4, namePrefix: 'honest', logger: createLogger('error') });
  await fleet.waitUntilReady(180_000);
  const wrong = (answer: number) => (answer + 1) % 1000;
  for (const [name, lie, from] of [
    ['liar', () => Math.floor(Math.random() * 1000), '127.0.4.1'],
    ['colluder-1', () => 999, '127.0.4.2'],
    ['colluder-2', () => 999, '127.0.4.3'],
  ] as const) {
    saboteurs.push(
      await SyntheticWorker.connect({
        masterUrl: master.url,
        name,
        credit: 2,
        localAddress: from,
        onJob: (job, self) => self.succeed(job.header, wrong(lie())),
      }),
    );
  }
}, 300_000);

afterAll(async () => {
  for (const saboteur of saboteurs) saboteur.terminate();
  await fleet?.stop();
  await master?.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('verification with real volunteers beside saboteurs', () => {
  it('finishes every job on the honest answer, never on a saboteur’s word, and blacklists the saboteurs spot checks meet', { timeout: 300_000 }, async () => {
    const ids = await submit(master.url, uploadsFrom(JOBS.map((image) => image.path)));
    const jobs: JobDetailView[] = await settled(master.url, ids, 240_000);
    const saboteurIds = new Set(saboteurs.map((saboteur) => saboteur.welcome.identity.workerId));

    jobs.forEach((job, i) => {
      expect(job.status, job.fileName).toBe('done');
      expect(job.result!.predictions[0]!.index, job.fileName).toBe(honest.get(JOBS[i]!.file));
      const verification = job.result!.verification!;
      expect(['verified', 'unverified']).toContain(verification.state);
      // The answer it was finished on, and every agreeing one, came from honest pages.
      expect(job.result!.workerId && saboteurIds.has(job.result!.workerId)).toBeFalsy();
      for (const replica of verification.replicas.filter((r) => r.agreed)) expect(saboteurIds.has(replica.workerId)).toBe(false);
    });

    const stats = (await fetch(`${master.url}/api/stats`).then((r) => r.json())) as { dispatch: { spotChecks: { given: number; failed: number } } };
    expect(stats.dispatch.spotChecks.given).toBeGreaterThan(0);
    let caught = 0;
    let failedBySaboteurs = 0;
    for (const saboteur of saboteurs) {
      const record = await master.identities.trustRecord(saboteur.welcome.identity.workerId);
      // A saboteur is blacklisted exactly when it failed a spot check; then it is refused on return.
      expect(record.blacklisted).toBe(record.spotChecksFailed > 0);
      failedBySaboteurs += record.spotChecksFailed;
      if (!record.blacklisted) continue;
      caught += 1;
      const back = await SyntheticWorker.connect({ masterUrl: master.url, hello: { identity: saboteur.welcome.identity } }).catch((error: unknown) => error);
      expect((back as WorkerRefusedError).code).toBe(CloseCode.identityRevoked);
    }
    // Every failed spot check was a saboteur's; one holding two at once (credit 2) may fail both before it is cut off.
    expect(stats.dispatch.spotChecks.failed).toBe(failedBySaboteurs);
    expect(caught).toBeLessThanOrEqual(failedBySaboteurs);
    // The honest pages passed every spot check they answered.
    const honestIds = new Set(jobs.flatMap((job) => job.result!.verification!.replicas.map((r) => r.workerId)).filter((id) => !saboteurIds.has(id)));
    for (const id of honestIds) expect((await master.identities.trustRecord(id)).spotChecksFailed).toBe(0);
    const states = jobs.map((job) => job.result!.verification!.state);
    const replicas = jobs.reduce((sum, job) => sum + job.result!.verification!.replicas.length, 0) / jobs.length;
    console.log(
      `verification: ${jobs.length} jobs, all honest; ${states.filter((s) => s === 'verified').length} verified, ` +
        `${states.filter((s) => s === 'unverified').length} unverified; ${replicas.toFixed(2)} answers per job; ` +
        `${stats.dispatch.spotChecks.given} spot checks; ${caught} of ${saboteurs.length} saboteurs caught`,
    );
  });
});
