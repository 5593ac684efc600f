// GET /api/stats on a master with hundreds of worker sockets: anyone may poll it on a public board, so it
// lists only the busiest STATS_WORKERS_SHOWN and counts the rest.
import { describe, expect, it } from 'vitest';
import { settled } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';
import type { WorkerPage } from '../api-types.ts';
import type { StatsView } from '../stats-api-types.ts';

const grid = useSyntheticGrid();
const IDLE_WORKERS = 300;
/** STATS_WORKERS_SHOWN unless set. */
const DEFAULT_SHOWN = 50;

const getStats = () => fetch(`${grid.master.url}/api/stats`).then((r) => r.json()) as Promise<StatsView>;

describe('GET /api/stats with many workers', () => {
  it('lists the busiest STATS_WORKERS_SHOWN, the longest connected first among equals, and counts them all', async () => {
    // More sockets than one address may open by default: every worker here connects from 127.0.0.1.
    await grid.start({ maxConnectionsPerAddress: IDLE_WORKERS + 50 });
    const { hash: modelHash } = (await fetch(`${grid.master.url}/api/model`).then((r) => r.json())) as { hash: string };
    // Trusted, so its answers finish the jobs alone.
    await grid.connect({ name: 'busy', modelHash, hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.succeed(job.header) });
    await settled(grid.master.url, await grid.submit(3), 20_000);
    await Promise.all(Array.from({ length: IDLE_WORKERS }, (_, i) => grid.connect({ name: `idle-${i}`, modelHash, record: false })));

    const stats = await getStats();
    expect(stats.workers).toHaveLength(DEFAULT_SHOWN);
    expect(stats.workersConnected).toBe(IDLE_WORKERS + 1);
    expect(stats.workers[0]).toMatchObject({ name: 'busy', jobsDone: 3 });
    const idle = stats.workers.slice(1);
    expect(idle.every((worker) => worker.jobsDone === 0)).toBe(true);
    const connectedAt = idle.map((worker) => Date.parse(worker.connectedAt));
    expect(connectedAt).toEqual([...connectedAt].sort((a, b) => a - b));

    // /api/workers counts every one of them, and lists them a page at a time (workers-api.test.ts).
    const { total } = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as WorkerPage;
    expect(total).toBe(IDLE_WORKERS + 1);
  });

  it('lists fewer when STATS_WORKERS_SHOWN says so', async () => {
    await grid.start({ statsWorkersShown: 2 });
    await Promise.all(['a', 'b', 'c'].map((name) => grid.connect({ name })));
    const stats = await getStats();
    expect(stats.workers).toHaveLength(2);
    expect(stats.workersConnected).toBe(3);
  });
});
