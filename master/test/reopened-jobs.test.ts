// A job verified again after a blacklisting, through the real master on both stores. It had ended on an earlier
// vote, so the result is that voter's answer and not the one of the volunteer that finished it: reopened, each
// answer is a vote of its own identity's (before, the finisher's vote was a copy of the result, and that answer
// counted twice while the finisher's own was lost). Ending again, it judges the answers it judged before once only
// (before, a volunteer it went against was counted outvoted again for the same answer). Nor is it reopened again by the
// blacklisted identity's backtracking walked late: it no longer leans on that identity (before, it was, once more for
// each walk, and the test timed out now and then). Spot checks are played by the test: an identity's record counts the
// checks the test says it passed.
import { describe, expect, it } from 'vitest';
import { getJob, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { SyntheticJob } from '../../metrics/synthetic-worker.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { Verifier } from '../trust/verification.ts';
import { reopenedBy } from '../../test/support/store-fixtures.ts';

const uploads = uploadsFrom(devImages(1).map((image) => image.path));
const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('a job reopened after a blacklisting, on the %s store', (storeName) => {
  it("keeps the finisher's own answer as its vote when the job ended on an earlier one, and judges each answer once", async () => {
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
            owedBacktracks: () => store.owedBacktracks(),
            backtracked: (...args) => store.backtracked(...args),
            survival: () => store.survival(),
          });
        },
      },
    );
    const [id] = await submit(m.url, uploads);
    /** A volunteer that answers the job it is dealt when the test says, from a network of its own (a loopback address). */
    const volunteer = async (name: string, localAddress: string) => {
      const dealt: SyntheticJob[] = [];
      const worker = await grid.connect(m, { name, localAddress, onJob: (job) => void dealt.push(job) });
      const answer = async (index: number) => {
        await until(() => dealt.length === 1, `the job dealt to ${name}`);
        worker.succeed(dealt[0]!.header, index);
      };
      return { worker, id: worker.welcome.identity.workerId, answer };
    };
    const judged = async (workerId: string) => {
      const { answersJudged, answersOutvoted } = await records!.trustRecord(workerId);
      return [answersJudged, answersOutvoted];
    };

    // E answers 4 with no say yet: a vote. Once E has passed checks, G (no say) answers 7, and the job ends on E's 4.
    const { worker: e, id: E, answer: eAnswers } = await volunteer('e', '127.0.0.1');
    await eAnswers(4);
    await until(async () => (await getJob(m.url, id!)).votes === 1, "E's vote");
    e.terminate();
    passed.set(E, 50);
    const { id: G, answer: gAnswers } = await volunteer('g', '127.0.0.2');
    await gAnswers(7);
    await until(async () => (await getJob(m.url, id!)).status === 'done', 'the job done on E');
    expect((await getJob(m.url, id!)).result).toMatchObject({ workerId: E, predictions: [{ index: 4 }] });
    // Judged once the job is done: G's answer outvoted.
    await until(async () => (await judged(G))[0] === 1, "G's answer judged");
    expect(await judged(G)).toEqual([1, 1]);

    // E is blacklisted (in the identity store, as by another master): the backtracking it owes, walked on the next
    // reaper tick here, reopens the job, each identity's own answer its vote.
    await records!.blacklist(E, 'failed a spot check');
    await until(async () => (await getJob(m.url, id!)).status === 'queued', 'the job reopened');
    expect((await m.store.votes(id!)).map((vote) => [vote.identity, vote.answer.workerId, vote.answer.predictions[0]!.index])).toEqual([
      [E, E, 4],
      [G, G, 7],
    ]);

    // H, with a say, answers 4: the job ends again, on H's word, going against G's 7 again. G's answer is still one
    // judged answer, outvoted once.
    const { id: H, answer: hAnswers } = await volunteer('h', '127.0.0.3');
    passed.set(H, 50);
    await hAnswers(4);
    await until(async () => (await getJob(m.url, id!)).status === 'done', 'the job done again, on H');
    expect((await getJob(m.url, id!)).result!.verification!.replicas.map((r) => [r.workerId, r.agreed, r.blacklisted ?? false])).toEqual([
      [E, true, true],
      [G, false, false],
      [H, true, false],
    ]);
    // H's answer is judged after G's.
    await until(async () => (await judged(H))[0] === 1, "H's answer judged");
    expect(await judged(G)).toEqual([1, 1]);
    // E's backtracking walked again (a tick that read it owed before it was done, or another master): the job ended
    // without E's vote, so it did not lean on E and stays done.
    expect((await reopenedBy(m.store, E, 'E was blacklisted', 'unused')).reopened).toEqual([]);
    expect((await getJob(m.url, id!)).status).toBe('done');
  });
});
