// A job verified again after a blacklisting, through the real master on both stores. It had ended on an earlier
// vote, so the result is that voter's answer and not the one of the volunteer that finished it: reopened, each
// answer is a vote of its own identity's (before, the finisher's vote was a copy of the result, and that answer
// counted twice while the finisher's own was lost). Spot checks are played by the test: an identity's record counts
// the checks the test says it passed.
import { describe, expect, it } from 'vitest';
import { getJob, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { Verifier } from '../trust/verification.ts';

const uploads = uploadsFrom(devImages(1).map((image) => image.path));
const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('a job reopened after a blacklisting, on the %s store', (storeName) => {
  it("keeps the finisher's own answer as its vote when the job ended on an earlier one", async () => {
    let records: IdentityStore | undefined;
    // Spot checks passed, as the test says, by identity.
    const passed = new Map<string, number>();
    const m = await grid.start(
      storeName,
      { minChecksToVerify: 1 },
      {
        verifier: (config, store) => {
          records = store;
          return new Verifier(config, {
            trustRecord: async (workerId) => ({ ...(await store.trustRecord(workerId)), spotChecksPassed: passed.get(workerId) ?? 0 }),
            recordJudgedAnswer: (...args) => store.recordJudgedAnswer(...args),
            blacklist: (...args) => store.blacklist(...args),
            survival: () => store.survival(),
          });
        },
      },
    );
    const [id] = await submit(m.url, uploads);
    const answering = (name: string, index: number) => grid.connect(m, { name, onJob: (job, self) => self.succeed(job.header, index) });

    // E answers 4 with no say yet: a vote. Once E has passed checks, G (no say) answers 7, and the job ends on E's 4.
    const e = await answering('e', 4);
    const E = e.welcome.identity.workerId;
    await until(async () => (await getJob(m.url, id!)).votes === 1, "E's vote");
    e.terminate();
    passed.set(E, 50);
    const G = (await answering('g', 7)).welcome.identity.workerId;
    await until(async () => (await getJob(m.url, id!)).status === 'done', 'the job done on E');
    expect((await getJob(m.url, id!)).result).toMatchObject({ workerId: E, predictions: [{ index: 4 }] });

    // E is blacklisted: the job is reopened, each identity's own answer its vote.
    await records!.blacklist(E, 'failed a spot check');
    expect((await m.store.reopenAnsweredBy(E, 'E was blacklisted', 'unused')).reopened.map((job) => job.id)).toEqual([id]);
    expect((await m.store.votes(id!)).map((vote) => [vote.identity, vote.answer.workerId, vote.answer.predictions[0]!.index])).toEqual([
      [E, E, 4],
      [G, G, 7],
    ]);
  });
});
