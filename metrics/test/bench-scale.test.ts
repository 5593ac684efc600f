// npm run bench:scale with tiny numbers (40 sockets, 2 masters, one Redis with its queue in 2 partitions, no
// cluster): its report must add up — every socket connected and kept, every job done exactly once, the killed
// master's leases requeued and finished elsewhere, the CSV saying what the JSON says, and no key left behind (those
// of every partition, and the partition count). Its figures are not judged here.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../master/project-root.ts';
import type { ScaleReport } from '../scale-report.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm run bench:scale', () => {
  it('reports counts that add up: sockets kept, each job done once, a dead master’s leases finished elsewhere', async () => {
    const prefix = `test:${randomUUID()}:`;
    const json = path.join(dir, 'scale.json');
    const csv = path.join(dir, 'scale.csv');
    // Leases long enough that none runs out while the machine is busy, except those of the killed master.
    const args = ['--sockets', '40', '--masters', '2', '--client-processes', '1', '--stores', 'redis', '--redis-url', TEST_REDIS_URL, '--redis-prefix', prefix];
    args.push('--redis-partitions', '2');
    args.push('--idle-seconds', '2', '--capacity-jobs', '200', '--seconds', '1', '--lease-ms', '5000', '--kill-rate', '100', '--max-seconds', '100');
    await run(process.execPath, ['--import', 'tsx', 'metrics/bench-scale.ts', ...args, '--json', json, '--csv', csv], { cwd: projectRoot, timeout: 110_000 });

    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as ScaleReport;
    expect(report.phases.map((p) => p.store)).toEqual(['redis']);
    const [phase] = report.phases;
    const p = phase!;
    expect(p.partitions).toBe(2);

    expect(p.masters.map((m) => [m.sockets, m.sessions])).toEqual([
      [20, 20],
      [20, 20],
    ]);
    expect(p.connect).toMatchObject({ sockets: 40, connected: 40, failed: 0 });
    expect(p.idle).toMatchObject({ closedDuring: 0, openAfter: 40, sessionsAfter: [20, 20], heartbeatTimeouts: 0 });

    expect(p.capacity).toMatchObject({ jobs: 200, completedJobs: 200, completedEvents: 200, missing: 0, doubled: 0, refused: [] });
    expect(p.latency.acked).toBe(p.latency.submitted);
    expect(p.latency).toMatchObject({
      refused: 0,
      jobs: p.latency.acked,
      completedJobs: p.latency.acked,
      completedEvents: p.latency.acked,
      missing: 0,
      doubled: 0,
    });
    // Every job was handed to one worker once: nothing expired or was lost while the workers answered at once.
    expect(p.fairness.capacity).toMatchObject({ workers: 40, jobs: 200 });
    expect(p.fairness.latency).toMatchObject({ workers: 40, jobs: p.latency.acked });
    expect(p.storeAfterDispatch).toEqual({ queued: 0, leased: 0, done: 200 + p.latency.acked, failed: 0 });
    // Both partitions took jobs (requests take turns at them), and together they hold every job.
    expect(p.jobsPerPartition).toHaveLength(2);
    expect(Math.min(...p.jobsPerPartition)).toBeGreaterThan(0);
    expect(p.jobsPerPartition[0]! + p.jobsPerPartition[1]!).toBe(200 + p.latency.acked);

    const k = p.kill!;
    expect(k.victimSockets).toBe(20);
    expect(k.submitted).toBe(k.acked + k.refused + k.unanswered);
    expect(k.heldAtKill).toBeGreaterThan(0);
    expect(k).toMatchObject({ requeued: k.heldAtKill, finishedElsewhere: k.heldAtKill, notDone: 0, doneTwice: 0, completedTwice: 0, doneOnce: k.jobsChecked });
    expect(Object.values(k.attempts).reduce((a, b) => a + b, 0)).toBe(k.jobsChecked);
    // Each lease the dead master held was a first attempt, then one more elsewhere.
    expect(k.attempts['2'] ?? 0).toBeGreaterThanOrEqual(k.heldAtKill);
    expect(p.nodeKill).toBeNull();

    const rows = parse(fs.readFileSync(csv, 'utf8'), { columns: true }) as { store: string; section: string; metric: string; value: string }[];
    const value = (section: string, metric: string) => rows.find((r) => r.section === section && r.metric === metric)?.value;
    expect(value('capacity', 'completedJobs')).toBe('200');
    expect(value('latency', 'acked')).toBe(String(p.latency.acked));
    expect(value('kill', 'heldAtKill')).toBe(String(k.heldAtKill));
    expect(value('store', 'done')).toBe(String(200 + p.latency.acked));
    expect(value('master1', 'sessions')).toBe('20');
    expect(value('phase', 'partitions')).toBe('2');
    expect(rows.filter((r) => r.section === 'goal').map((r) => r.value)).toHaveLength(5);

    // The bench deleted every key it made.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
