// A board that stops reading costs the master its socket's buffer and one piece of a frame, however large the frames:
// a worker change names every worker that changed (strangers' sockets, thousands), and each such frame written whole
// to each stalled board would be held once per board. Against a real master and real sockets; a board that reads
// again gets every frame whole, characters outside the BMP cut across pieces included.
import { afterEach, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import type { WorkersChangedEvent, WorkerView } from '../api-types.ts';

let master: TestMaster | undefined;
const clients: SseClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master?.close();
  master = undefined;
});

const worker = {
  workerId: 'w',
  workerClass: 'volunteer',
  kind: 'browser',
  browser: null,
  backend: 'wasm',
  model: 'm',
  credit: 0,
  credibility: 1,
  spotChecksPassed: 0,
};

/** A worker change naming `count` workers, each name with a cat (two UTF-16 units): about 1 MB for 5,000. */
const workersChanged = (count: number, round: number): WorkersChangedEvent => ({
  type: 'workers-changed',
  changed: Array.from({ length: count }, (_, i) => ({ ...worker, id: `${round}-${i}`, name: `🐈 ${'n'.repeat(100)} ${i}` }) as unknown as WorkerView),
  left: [],
  connected: count,
});

it('a board that stops reading holds its socket buffer and one piece, not the worker changes it was sent', async () => {
  master = await startTestMaster({ eventStreamStallMs: 600_000 });
  const boards = 4;
  for (let i = 0; i < boards; i++) clients.push(await SseClient.open(master.url, { paused: true }));
  // 10 MB to each board, far more than its sockets take: each board stalls midway through one of them.
  const rounds = 10;
  for (let round = 0; round < rounds; round++) master.events.publish(workersChanged(5_000, round));

  const metrics = await (await fetch(`${master.url}/metrics`)).text();
  const buffered = Number(/^browser_grid_event_stream_buffered_bytes (\d+)$/m.exec(metrics)![1]);
  // Its socket's buffer (16 KiB) and one piece (at most 12 KiB), with room to spare; written whole, a frame is 1 MB.
  expect(buffered / boards).toBeLessThan(64 * 1024);

  const board = clients[0]!;
  board.resume();
  const changes = () => board.framesNamed('workers-changed').map((frame) => frame.data as WorkersChangedEvent);
  // The count the stream opened with, then every change.
  await until(() => changes().length === rounds + 1, 'every worker change');
  for (const [round, change] of changes().slice(1).entries()) {
    expect(change.changed).toHaveLength(5_000);
    expect(change.changed.every((view, i) => view.id === `${round}-${i}` && view.name === `🐈 ${'n'.repeat(100)} ${i}`)).toBe(true);
  }
});
