// Schema-valid nonsense through the real master on both stores: a worker answering with duplicate
// classes, probabilities summing to 9, another model's hash or a made-up backend is told why, the job
// is not completed on its word, and another identity finishes it; the liar is not given it again.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settled, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { JobView } from '../api-types.ts';
import { ErrorCode, type JobHeader, type ResultMessage } from '../protocol.ts';

const image = fs.readFileSync(devImages(1)[0]!.path);

/** Four kinds of nonsense that each pass the result schema. */
const NONSENSE: ((header: JobHeader, model: string) => ResultMessage)[] = [
  (header, model) => answer(header, model, 'wasm', [0.5, 0.3], [7, 7]),
  (header, model) => answer(header, model, 'wasm', [1, 1, 1, 1, 1, 1, 1, 1, 1]),
  (header) => answer(header, 'f'.repeat(64), 'wasm', [0.9]),
  (header, model) => answer(header, model, 'quantum-abacus', [0.9]),
];

function answer(header: JobHeader, model: string, backend: string, probabilities: number[], indexes = probabilities.map((_, i) => i)): ResultMessage {
  const predictions = probabilities.map((probability, i) => ({ index: indexes[i]!, label: 'made up', probability }));
  return { type: 'result', jobId: header.jobId, leaseId: header.leaseId, predictions, inferenceMs: 1, backend, model };
}

const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('on the %s store', (storeName) => {
  it('refuses schema-valid nonsense with a reason, and has another identity do the job', async () => {
    const m = await grid.start(storeName);
    const model = ((await fetch(`${m.url}/api/model`).then((r) => r.json())) as { hash: string }).hash;
    const data = new FormData();
    for (let i = 0; i < NONSENSE.length; i++) data.append('image', new Blob([new Uint8Array(image)]), `${i}.jpg`);
    const ids = ((await fetch(`${m.url}/api/jobs`, { method: 'POST', body: data }).then((r) => r.json())) as { jobs: JobView[] }).jobs.map((job) => job.id);

    let told = 0;
    const liar = await grid.connect(m, {
      name: 'liar',
      credit: NONSENSE.length,
      onJob: (job, self) => self.send(NONSENSE[told++ % NONSENSE.length]!(job.header, model)),
    });
    // The store's transition is counted before the worker is told why: wait for both.
    const errors = () => liar.messages.filter((message) => message.type === 'error');
    await until(() => m.lifecycle.counters.transitions.refused === NONSENSE.length && errors().length === NONSENSE.length, 'every answer refused and told');
    expect(errors().map((error) => error.type === 'error' && error.code)).toEqual(Array(NONSENSE.length).fill(ErrorCode.resultRefused));
    expect(errors().map((error) => error.type === 'error' && error.message.replace(/job \S+/, 'job X'))).toEqual([
      'answer for job X refused: a class index appears twice in the predictions',
      'answer for job X refused: the probabilities sum to 9.0000; the top classes of a softmax sum to at most 1',
      `answer for job X refused: the result names model ${'f'.repeat(64)}, but this master serves ${model}`,
      'answer for job X refused: unknown backend "quantum-abacus" (expected one of webgpu, webgl, wasm, cpu)',
    ]);
    const counts = (await fetch(`${m.url}/api/health`).then((r) => r.json())) as { jobs: { queued: number; done: number } };
    expect(counts.jobs).toMatchObject({ queued: NONSENSE.length, done: 0 });

    const honest = await grid.connect(m, { name: 'honest', credit: 8, onJob: (job, self) => self.succeed(job.header, 42) });
    const jobs = await settled(m.url, ids, 10_000);
    for (const job of jobs) {
      expect(job).toMatchObject({ status: 'done', worker: 'honest', result: { workerId: honest.welcome.identity.workerId, predictions: [{ index: 42 }] } });
      expect(job.timeline.map((a) => [a.outcome, a.workerName])).toEqual([
        ['refused', 'liar'],
        ['done', 'honest'],
      ]);
    }
    // The liar was never handed its jobs again.
    expect(liar.jobs).toHaveLength(NONSENSE.length);
  });
});
