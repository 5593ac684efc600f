// Store calls that Redis runs as several scripts, cut short by a store error after some of them committed: what they
// did is still told. A clear deletes a batch at a time, partition after partition; a backtracking reopens a job at a
// time. Before, the error lost what the earlier scripts had done: a cleared job's worker was never told to drop it
// nor its board that it was gone, and a job reopened before the error never had its `reopened` event (walked again,
// it was no longer done). Through a real master on Redis, the failing script the test's own.
import { afterEach, expect, it } from 'vitest';
import type { SyntheticJob } from '../../metrics/synthetic-worker.ts';
import { getJob, settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { jobScripts } from '../store/redis/lua-scripts.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const ADMIN_TOKEN = 'admin-token-of-this-test';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const grid = useTestMasters();

type Script = (typeof jobScripts)['clear'];
const originalRuns = new Map<Script, Script['run']>();
afterEach(() => {
  for (const [script, run] of originalRuns) script.run = run;
  originalRuns.clear();
});

/** The script's `nth` run fails before it runs, as with Redis away (one that times out and runs late is not told). */
function failNth(script: Script, nth: number): void {
  const run = script.run.bind(script);
  originalRuns.set(script, script.run);
  let runs = 0;
  script.run = (...args) => (++runs === nth ? Promise.reject(new StoreUnavailableError('Redis unavailable: Command timed out')) : run(...args));
}

it('tells the worker and the boards of the jobs a clear cut short did delete', async () => {
  const m = await grid.start('redis', { adminToken: ADMIN_TOKEN, queuePartitions: 2 });
  // A submission a partition, in turn: one job in each.
  const ids = [...(await submit(m.url, uploadsFrom([devImages(1)[0]!.path]))), ...(await submit(m.url, uploadsFrom([devImages(2)[1]!.path])))];
  const held: SyntheticJob[] = [];
  const holder = await grid.connect(m, { name: 'holder', credit: 2, onJob: (job) => void held.push(job) });
  await until(() => held.length === 2, 'both jobs held');
  const cancel = holder.next('cancel');

  failNth(jobScripts.clear, 2); // the second partition's
  const response = await fetch(`${m.url}/api/jobs`, { method: 'DELETE', headers: admin });
  expect(response.status).toBe(503);

  const statuses = await Promise.all(ids.map((id) => fetch(`${m.url}/api/jobs/${id}`).then((r) => r.status)));
  const gone = ids.filter((_, i) => statuses[i] === 404);
  expect(gone).toHaveLength(1);
  expect((await cancel).jobId).toBe(gone[0]);
  expect(m.lifecycle.counters.transitions.cleared).toBe(1);
});

it('tells of the jobs a backtracking cut short did reopen, and reopens the rest when walked again', async () => {
  const m = await grid.start('redis', { adminToken: ADMIN_TOKEN });
  const ids = await submit(m.url, uploadsFrom(devImages(2).map((image) => image.path)));
  // On a test master one volunteer's answer settles a job.
  const volunteer = await grid.connect(m, { name: 'revoked', onJob: (job, self) => self.succeed(job.header, 3) });
  await settled(m.url, ids, 20_000);
  volunteer.terminate();

  failNth(jobScripts.reopen, 2);
  const response = await fetch(`${m.url}/api/workers/${volunteer.welcome.identity.workerId}/revoke`, { method: 'POST', headers: admin });
  expect(response.status).toBe(200);
  // The lease reaper's tick walks the owed backtracking again: the second job is reopened then.
  await until(async () => (await Promise.all(ids.map((id) => getJob(m.url, id)))).every((job) => job.status === 'queued'), 'both jobs reopened');
  // Each told once: before, the first one's event was lost with the error.
  expect(m.lifecycle.counters.transitions.reopened).toBe(2);
});
