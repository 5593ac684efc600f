// A worker whose socket closes right after its answer (a tab closed, a network drop) while the master still writes
// that answer: the answer counts, and the job is not also released as lost with the worker. Each store write is held
// until the master has seen the socket close, the order a slow identity or job store gives.
import { describe, expect, it } from 'vitest';
import { holdCalls } from '../../test/support/held-calls.ts';
import { until } from '../../test/support/jobs-client.ts';
import { gridImage } from '../../test/support/synthetic-grid.ts';
import { TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { JobDetailView, JobView } from '../api-types.ts';
import type { JobHeader } from '../protocol.ts';
import type { SyntheticWorker } from '../../metrics/synthetic-worker.ts';

const grid = useTestMasters();

type Answer = (header: JobHeader, worker: SyntheticWorker) => void;

/** Submits one job, has a worker answer it and hang up at once; answers the job once the answer's write is done. */
async function answerThenClose(m: TestMaster, write: 'complete' | 'fail' | 'refuse', answer: Answer, trusted: boolean): Promise<JobDetailView> {
  const [job] = ((await fetch(`${m.url}/api/jobs`, { method: 'POST', body: form() }).then((r) => r.json())) as { jobs: JobView[] }).jobs;
  const writing = holdCalls(m.store, write);
  await grid.connect(m, {
    ...(trusted ? { hello: { fleetToken: TEST_FLEET_TOKEN } } : {}),
    onJob: (dealt, self) => {
      answer(dealt.header, self);
      self.terminate();
    },
  });
  await until(() => writing.count() > 0 && m.workers.size === 0, 'the answer being written after the master saw the socket close');
  writing.release();
  await until(async () => (await m.store.getDetail(job!.id))?.status !== 'leased', 'the job no longer leased');
  return (await m.store.getDetail(job!.id))!;
}

function form(): FormData {
  const data = new FormData();
  data.append('image', new Blob([new Uint8Array(gridImage)]), 'one.jpg');
  return data;
}

describe.each(['sqlite', 'redis'] as const)('on the %s store', (storeName) => {
  it('keeps a trusted worker’s result that arrived before its socket closed: the job done, no lease lost', async () => {
    const m = await grid.start(storeName);
    const job = await answerThenClose(m, 'complete', (header, self) => self.succeed(header, 42), true);
    expect(job).toMatchObject({ status: 'done', result: { predictions: [{ index: 42 }] } });
    expect(m.lifecycle.counters.transitions).toMatchObject({ completed: 1, lost: 0 });
    expect(m.lifecycle.counters.rejected['stale-lease']).toBe(0);
  });

  it('keeps a volunteer’s answer likewise, as the vote or result its verification makes it', async () => {
    const m = await grid.start(storeName);
    await answerThenClose(m, 'complete', (header, self) => self.succeed(header, 42), false);
    const { transitions } = m.lifecycle.counters;
    expect(transitions.completed + transitions.answered).toBe(1);
    expect(transitions.lost).toBe(0);
    expect(m.lifecycle.counters.rejected['stale-lease']).toBe(0);
  });

  it('fails the job for good on a final failure that arrived before the socket closed', async () => {
    const m = await grid.start(storeName);
    const job = await answerThenClose(m, 'fail', (header, self) => self.fail(header, 'cannot decode', false), true);
    expect(job).toMatchObject({ status: 'failed', error: expect.stringContaining('cannot decode') });
    expect(m.lifecycle.counters.transitions).toMatchObject({ failed: 1, lost: 0 });
  });

  it('refuses nonsense that arrived before the socket closed as nonsense, not as a lost lease', async () => {
    const m = await grid.start(storeName);
    const twice = [
      { index: 7, probability: 0.5 },
      { index: 7, probability: 0.3 },
    ];
    const nonsense: Answer = (header, self) => self.answer(header, twice);
    const job = await answerThenClose(m, 'refuse', nonsense, false);
    expect(job.timeline.map((attempt) => attempt.outcome)).toEqual(['refused']);
    expect(m.lifecycle.counters.transitions).toMatchObject({ refused: 1, lost: 0 });
  });
});
