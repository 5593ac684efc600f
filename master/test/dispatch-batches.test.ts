// A dispatch batch through the real master (master/dispatch/dispatcher.ts deals at most 64 workers of a class a batch):
// the many tabs of one volunteer that answered a job, or the many identities minted on its network, first in the order,
// cannot fill a batch and keep the job from another volunteer; a batch holds one session of each volunteer identity,
// and MAX_VOTERS_PER_NETWORK volunteers of each network.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getJob, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';
import type { JobView } from '../api-types.ts';

const image = fs.readFileSync(devImages(1)[0]!.path);
const TABS = 70;

const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('dispatch batches on the %s store', (storeName) => {
  /** A job, and the first volunteer (on 127.0.0.1) whose answer is a vote on it: the job goes back to the queue for another identity. */
  async function votedOnce() {
    const m = await grid.start(storeName, DEFAULT_VERIFICATION);
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(image)]), 'a.jpg');
    const id = ((await (await fetch(`${m.url}/api/jobs`, { method: 'POST', body: data })).json()) as { jobs: JobView[] }).jobs[0]!.id;
    const answered = (count: number) =>
      until(async () => (await getJob(m.url, id)).timeline.filter((attempt) => attempt.outcome === 'answered').length === count, `${count} answers`);
    const first = await grid.connect(m, { name: 'tab-0', onJob: (job, self) => self.succeed(job.header, 7) });
    await answered(1);
    /** Another volunteer, on a network of its own, is dealt the job and answers it. */
    const other = async () => {
      const worker = await grid.connect(m, { name: 'other', localAddress: '127.0.0.2', onJob: (job, self) => self.succeed(job.header, 7) });
      await answered(2);
      expect(worker.jobs.map((job) => job.header.jobId)).toEqual([id]);
    };
    return { m, first, other };
  }

  it(`hands a job one volunteer answered to another volunteer behind ${TABS} idle tabs of the first`, async () => {
    const { m, first, other } = await votedOnce();
    // More tabs of the same volunteer: they come before any newcomer in the deal (never served), and none may take the job.
    const tabs = [];
    for (let i = 1; i < TABS; i++) tabs.push(await grid.connect(m, { name: `tab-${i}`, hello: { identity: first.welcome.identity } }));
    await other();
    expect(tabs.every((tab) => tab.jobs.length === 0)).toBe(true);
  });

  it(`hands a job one volunteer answered to another network's volunteer behind ${TABS} idle identities minted on the first's address`, async () => {
    const { m, other } = await votedOnce();
    // New identities on the voter's network (127.0.0.1): never served, they come first in the deal, and none may take the job.
    const minted = [];
    for (let i = 1; i < TABS; i++) minted.push(await grid.connect(m, { name: `minted-${i}` }));
    await other();
    expect(minted.every((worker) => worker.jobs.length === 0)).toBe(true);
  });
});
