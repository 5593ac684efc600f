// A backtracking walk owed from before (the master died between a blacklisting and its walk) is walked by the next
// master at its first reaper tick, before the fleet that was connected has come back. A job that would hold
// MAX_ANSWERS_PER_JOB answers must then wait for that fleet, trusted-only, not end `unverified` for good because no
// trusted worker had reconnected yet.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import type { SyntheticJob, SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { getJob, settled, submit, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { tempDataDir, TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';

const grid = useTestMasters();
const image = fs.readFileSync(devImages(1)[0]!.path);

it('a restarted master walking an owed backtracking before its fleet is back reopens a job full of answers for the fleet', async () => {
  const dataDir = tempDataDir();
  const opts = { dataDir, maxReplicas: 2, maxAnswersPerJob: 2, closeCallMargin: 0.1 };
  const master = await grid.start('sqlite', opts);
  const [id] = await submit(master.url, [{ name: 'a.jpg', bytes: image }]);
  // A close call waits for a second identity: the job ends done on two answers, the cap.
  const closeCall = (job: SyntheticJob, self: SyntheticWorker) =>
    self.answer(job.header, [
      { index: 8, probability: 0.5 },
      { index: 3, probability: 0.4995 },
    ]);
  const first = await grid.connect(master, { name: 'volunteer-1', localAddress: '127.0.0.1', onJob: closeCall });
  await until(async () => (await getJob(master.url, id!)).votes === 1, 'the close call kept as a vote');
  await grid.connect(master, { name: 'volunteer-2', localAddress: '127.0.0.2', onJob: (job, self) => self.succeed(job.header, 8) });
  const [done] = await settled(master.url, [id!], 10_000);
  expect(done!.result!.verification).toMatchObject({ state: 'verified' });
  await master.close();

  // The master died between the blacklisting and its walk: the walk is owed.
  const identities = new SqliteIdentityStore(dataDir);
  await identities.blacklist(first.welcome.identity.workerId, 'failed a spot check');
  await identities.close();

  const restarted = await grid.start('sqlite', opts);
  await until(async () => (await getJob(restarted.url, id!)).status !== 'done', 'the owed walk, no worker connected', 10_000);
  expect(await getJob(restarted.url, id!)).toMatchObject({ status: 'queued', trustedOnly: true });

  const fleet = await grid.connect(restarted, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.succeed(job.header, 8) });
  const [settledByFleet] = await settled(restarted.url, [id!], 10_000);
  expect(settledByFleet!.result).toMatchObject({ workerId: fleet.welcome.identity.workerId, verification: { state: 'trusted' } });
});
