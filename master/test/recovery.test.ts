// Durable before acknowledged: a master killed with -9, or stopped before any
// worker came, loses no accepted job, and recovers the ones it had leased.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { tempDataDir } from '../../test/support/test-master.ts';

const image = fs.readFileSync(devImages(1)[0]!.path);
let running: MasterProcess | null = null;
afterEach(async () => {
  await running?.stop('SIGKILL');
  running = null;
});

async function submit(url: string, count: number): Promise<string[]> {
  const data = new FormData();
  for (let i = 0; i < count; i++) data.append('image', new Blob([new Uint8Array(image)]), `image-${i}.jpg`);
  const response = await fetch(`${url}/api/jobs`, { method: 'POST', body: data });
  expect(response.status).toBe(201);
  return ((await response.json()) as { jobs: { id: string }[] }).jobs.map((job) => job.id);
}

const detail = (url: string, id: string) => fetch(`${url}/api/jobs/${id}`).then((r) => r.json()) as Promise<any>;

async function until(condition: () => Promise<boolean>, what: string) {
  const end = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('master restarts', () => {
  it('survives kill -9 with jobs queued and leased: all complete once, leased ones marked recovered', async () => {
    const dataDir = tempDataDir();
    running = await spawnMaster({ DATA_DIR: dataDir });
    const ids = await submit(running.url, 6);
    const holder = await SyntheticWorker.connect({ masterUrl: running.url, name: 'holder', credit: 3 });
    await until(async () => holder.jobs.length === 3, 'three leased');
    await running.stop('SIGKILL');
    holder.terminate();

    running = await spawnMaster({ DATA_DIR: dataDir });
    const url = running.url;
    const answered = new Map<string, number>();
    const worker = await SyntheticWorker.connect({
      masterUrl: url,
      name: 'after-crash',
      onJob: (job, w) => {
        answered.set(job.header.jobId, (answered.get(job.header.jobId) ?? 0) + 1);
        w.succeed(job.header);
      },
    });
    await until(async () => (await Promise.all(ids.map((id) => detail(url, id)))).every((j) => j.status === 'done'), 'all done');
    worker.terminate();
    expect([...answered.values()].every((n) => n === 1)).toBe(true);
    const leasedBefore = new Set(holder.jobs.map((j) => j.header.jobId));
    for (const id of ids) {
      const job = await detail(url, id);
      const outcomes = job.timeline.map((a: any) => a.outcome);
      expect(outcomes).toEqual(leasedBefore.has(id) ? ['recovered', 'done'] : ['done']);
    }
  });

  it('keeps jobs submitted before a clean stop, for a worker that connects after the restart', async () => {
    const dataDir = tempDataDir();
    running = await spawnMaster({ DATA_DIR: dataDir });
    const ids = await submit(running.url, 4);
    expect(await running.stop('SIGTERM')).toBe(0);
    running = await spawnMaster({ DATA_DIR: dataDir });
    const url = running.url;
    const worker = await SyntheticWorker.connect({ masterUrl: url, onJob: (j, w) => w.succeed(j.header) });
    await until(async () => (await Promise.all(ids.map((id) => detail(url, id)))).every((j) => j.status === 'done'), 'all done');
    worker.terminate();
  });
});
