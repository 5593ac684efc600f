// Volunteer credit through the real master: synthetic workers say who they work for in their hello,
// accepted results become credit, refused ones do not, and GET /api/volunteers shows it, paged.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { tempDataDir } from '../../test/support/test-master.ts';
import type { OwnStandingView, VolunteersView, WorkerView } from '../api-types.ts';
import { PROTOCOL_VERSION, WORKER_SOCKET_PATH, type HelloMessage } from '../protocol.ts';

const ADA = 'ada-volunteer-id-0001';
const BOB = 'bob-volunteer-id-0002';

const grid = useSyntheticGrid();
const { connect, submit } = grid;

const volunteers = (query = '') => fetch(`${grid.master.url}/api/volunteers${query}`).then((r) => r.json()) as Promise<VolunteersView>;
const own = (id: string) => fetch(`${grid.master.url}/api/volunteers/me`, { headers: { 'x-volunteer-id': id } }).then((r) => r.json()) as Promise<OwnStandingView>;

/** A worker that answers `count` jobs as they come, `inferenceMs` each. */
async function answering(name: string, hello: Partial<HelloMessage>, inferenceMs: number) {
  return connect({ name, credit: 1, hello, onJob: (job, worker) => worker.succeed(job.header, 1, inferenceMs) });
}

describe('volunteer credit', () => {
  it('credits each accepted result to the volunteer in the hello, by browser and backend, and survives a restart', async () => {
    const dataDir = tempDataDir();
    await grid.start({ dataDir });
    await answering('ada-firefox', { volunteerId: ADA, browser: 'firefox', displayName: 'Ada' }, 30);
    const ids = await submit(3);
    await until(async () => (await own(ADA)).standing?.images === 3, 'Ada credited for 3');
    grid.terminateWorkers();

    await answering('bob-chromium', { volunteerId: BOB, browser: 'chromium' }, 10);
    await submit(5);
    await until(async () => (await own(BOB)).standing?.images === 5, 'Bob credited for 5');
    expect(ids).toHaveLength(3);

    const board = await volunteers();
    expect(board).toMatchObject({ offset: 0, limit: 20, total: 2 });
    expect(board.volunteers).toEqual([
      { rank: 1, displayName: null, images: 5, computeMs: 50 },
      { rank: 2, displayName: 'Ada', images: 3, computeMs: 90 },
    ]);
    expect(board.totals).toEqual({
      images: 8,
      computeMs: 140,
      byBrowser: [{ key: 'chromium', images: 5, computeMs: 50 }, { key: 'firefox', images: 3, computeMs: 90 }],
      byBackend: [{ key: 'synthetic', images: 8, computeMs: 140 }],
    });
    // Nothing identifies a volunteer who did not opt in: no id anywhere in the answer.
    expect(JSON.stringify(board)).not.toContain(BOB);

    await grid.start({ dataDir });
    expect((await own(ADA)).standing).toEqual({ rank: 2, displayName: 'Ada', images: 3, computeMs: 90 });
  });

  it('gives no credit for a refused answer, nor to a worker that names no volunteer', async () => {
    await grid.start();
    const ada = await connect({ name: 'ada', credit: 1, hello: { volunteerId: ADA } });
    const [id] = await submit(1);
    await until(() => ada.jobs.length === 1, 'a job for Ada');
    const header = ada.jobs[0]!.header;
    ada.succeed({ ...header, leaseId: 'not-the-lease' }, 1, 10); // fenced off
    ada.succeed(header, 1, 10);
    await until(async () => (await fetch(`${grid.master.url}/api/jobs/${id}`).then((r) => r.json())).status === 'done', 'the job done');
    ada.succeed(header, 1, 10); // a replay of an answer already accepted
    const rejected = () => Object.values(grid.master.lifecycle.counters.rejected).reduce((sum, count) => sum + count, 0);
    await until(() => rejected() === 2, 'both refusals');
    ada.terminate();
    await answering('anonymous', {}, 10);
    const [other] = await submit(1);
    await until(async () => (await fetch(`${grid.master.url}/api/jobs/${other}`).then((r) => r.json())).status === 'done', 'the second job done');
    expect((await own(ADA)).standing).toEqual({ rank: 1, displayName: null, images: 1, computeMs: 10 });
    expect((await volunteers()).total).toBe(1);
  });

  it('takes a name set or withdrawn over the socket, and shows the donor limits with the worker', async () => {
    await grid.start();
    const ada = await answering('ada', { volunteerId: ADA, limits: { cpuShare: 25, imagesPerHour: 120 } }, 10);
    await submit(1);
    await until(async () => (await own(ADA)).standing !== null, 'Ada credited');
    const listed = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    expect(listed.workers[0]).toMatchObject({ name: 'ada', cpuShare: 25, imagesPerHour: 120 });

    ada.send({ type: 'profile', displayName: '<b>Ada</b>' });
    await until(async () => (await own(ADA)).standing?.displayName === '<b>Ada</b>', 'the name stored as given');
    ada.send({ type: 'credit', credit: 1, limits: { cpuShare: 50, imagesPerHour: null } });
    await until(async () => {
      const { workers } = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
      return workers[0]?.cpuShare === 50 && workers[0]?.imagesPerHour === null;
    }, 'the new limits');
    ada.send({ type: 'profile', displayName: null });
    await until(async () => (await own(ADA)).standing?.displayName === null, 'the name withdrawn');
  });

  it.each([
    ['a malformed volunteer id', { volunteerId: 'short' }],
    ['a display name with a control character', { volunteerId: ADA, displayName: 'Ada\u0000' }],
    ['a display name over 40 characters', { volunteerId: ADA, displayName: 'x'.repeat(41) }],
    ['a CPU share not offered', { limits: { cpuShare: 30, imagesPerHour: null } }],
    ['an hourly cap of 0', { limits: { cpuShare: 100, imagesPerHour: 0 } }],
  ])('refuses a hello with %s', async (_what, extra) => {
    await grid.start();
    const model = (await fetch(`${grid.master.url}/api/model`).then((r) => r.json())) as { hash: string };
    const socket = new WebSocket(`${grid.master.url.replace(/^http/, 'ws')}${WORKER_SOCKET_PATH}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const reply = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
    socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name: 'w', kind: 'volunteer', backend: 'wasm', model: model.hash, credit: 1, ...extra }));
    expect(JSON.parse(await reply)).toMatchObject({ type: 'error', code: 'bad-message' });
    socket.terminate();
  });

  it('gives 20 a page unless asked, and at most MAX_LEADERBOARD_PAGE (100 by default)', async () => {
    await grid.start();
    expect((await volunteers()).limit).toBe(20);
    expect((await volunteers('?limit=100')).limit).toBe(100);
    expect((await fetch(`${grid.master.url}/api/volunteers?limit=101`)).status).toBe(400);
  });

  it('answers bad paging and a missing id in plain words, and a volunteer without credit with null', async () => {
    await grid.start({ maxLeaderboardPage: 50 });
    for (const [query, code] of [['?limit=0', 'bad-limit'], ['?limit=51', 'bad-limit'], ['?offset=-1', 'bad-offset'], ['?limit=abc', 'bad-limit']] as const) {
      const response = await fetch(`${grid.master.url}/api/volunteers${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect((await volunteers('?limit=50')).limit).toBe(50);
    const noId = await fetch(`${grid.master.url}/api/volunteers/me`);
    expect(noId.status).toBe(400);
    expect(((await noId.json()) as { error: { message: string } }).error.message).toMatch(/X-Volunteer-Id/);
    expect(await own(ADA)).toEqual({ standing: null });
  });
});
