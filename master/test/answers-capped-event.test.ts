// A job that a volunteer's lease marks trusted-only as it passes over it, holding MAX_ANSWERS_PER_JOB answers (left
// holding that many by a master with a higher limit: here the limit lowered at a restart), is announced as every job
// change is: a `job` event named 'answers-capped', the job trusted-only in it, so boards and its page show it at
// once. Before, the marking sent nothing, and they showed it at the job's next event or a reload. A real master on
// both stores, with synthetic volunteers.
import { describe, expect, it } from 'vitest';
import { getJob, submit, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { tempDataDir } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { JobTransition } from '../lifecycle/job-events.ts';
import fs from 'node:fs';

const grid = useTestMasters();
const image = fs.readFileSync(devImages(1)[0]!.path);

describe.each(['sqlite', 'redis'] as const)('a job capped by a volunteer lease passing over it, on the %s store', (storeName) => {
  it('publishes answers-capped once, the job trusted-only in it, and counts it', async () => {
    const dataDir = tempDataDir();
    const onData = { dataDir, ...(storeName === 'redis' ? { redisPrefix: grid.redisPrefix() } : {}) };
    // The real TARGET_ERROR: one new identity's answer (credibility 0.9) is kept as a vote, and the job waits.
    const before = await grid.start(storeName, { ...onData, targetError: 0.001 });
    const [id] = await submit(before.url, [{ name: 'a.jpg', bytes: image }]);
    await grid.connect(before, { name: 'volunteer-1', localAddress: '127.0.0.1', onJob: (job, self) => self.succeed(job.header, 8) });
    await until(async () => (await getJob(before.url, id!)).votes === 1, 'the vote', 10_000);
    await before.close();

    // Restarted at a limit the job already reaches.
    const after = await grid.start(storeName, { ...onData, targetError: 0.001, maxReplicas: 1, maxAnswersPerJob: 1 });
    const seen: [JobTransition, string, string, boolean][] = [];
    after.events.subscribeLocal((event) => {
      if (event.type === 'job') seen.push([event.transition, event.job.id, event.job.status, event.job.trustedOnly]);
    });
    const second = await grid.connect(after, { name: 'volunteer-2', localAddress: '127.0.0.2', onJob: (job, self) => self.succeed(job.header, 8) });
    await until(async () => (await getJob(after.url, id!)).trustedOnly, 'the job made trusted-only', 10_000);
    // A little longer, so that a second event would be seen too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toEqual([['answers-capped', id, 'queued', true]]);
    expect(second.jobs).toHaveLength(0);
    expect(after.lifecycle.counters.transitions['answers-capped']).toBe(1);
  });
});
