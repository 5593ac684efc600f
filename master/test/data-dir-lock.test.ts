// One master per DATA_DIR on the embedded store: a second one stops at start with one plain line, touching nothing,
// and the hold dies with the process that had it, kill -9 included.
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { getJob, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { masterRefusing, spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { tempDataDir } from '../../test/support/test-master.ts';

const [image] = uploadsFrom([devImages(1)[0]!.path]);
let running: MasterProcess | null = null;
afterEach(async () => {
  await running?.stop('SIGKILL');
  running = null;
});

describe('a data directory in use', () => {
  it('stops a second master before it touches anything, and is free again once the first is killed with -9', async () => {
    const dataDir = tempDataDir();
    running = await spawnMaster({ DATA_DIR: dataDir });
    const [id] = await submit(running.url, [image!]);
    const holder = await SyntheticWorker.connect({ masterUrl: running.url, name: 'holder', credit: 1 });
    await until(() => holder.jobs.length === 1, 'one leased');

    const second = await masterRefusing({ DATA_DIR: dataDir });
    expect(second.listened).toBe(false);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/^master: DATA_DIR .* is held by another master running on it; stop that master first/m);
    expect(second.stderr).toContain(dataDir);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    // The first master's lease is still its own: no start-up recovery ran on it.
    const job = await getJob(running.url, id!);
    expect(job.status).toBe('leased');
    expect(job.timeline.map((attempt) => attempt.outcome)).toEqual(['running']);

    await running.stop('SIGKILL');
    holder.terminate();
    running = await spawnMaster({ DATA_DIR: dataDir });
    expect((await getJob(running.url, id!)).timeline.map((attempt) => attempt.outcome)).toEqual(['recovered']);
  });
});
