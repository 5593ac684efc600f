// Volunteer credit through the real master: each synthetic worker is credited under the identity
// the master issued it (and presents again on reconnect), accepted results become credit, refused
// ones do not, nobody can claim another's credit, and GET /api/volunteers shows it, paged.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SyntheticWorker, WorkerRefusedError, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';
import type { JobDetailView, OwnStandingView, VolunteersView, WorkerView } from '../api-types.ts';
import { CloseCode, PROTOCOL_VERSION, WORKER_SOCKET_PATH, type HelloMessage, type WorkerIdentity } from '../protocol.ts';

const image = fs.readFileSync(devImages(1)[0]!.path);

let master: TestMaster;
const workers: SyntheticWorker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.terminate();
  await master?.close();
});

async function connect(options: Omit<SyntheticWorkerOptions, 'masterUrl'>) {
  // Each holds a job the time it claims: the master credits no more than it saw a lease held.
  const worker = await SyntheticWorker.connect({ masterUrl: master.url, holdClaimedTime: true, ...options });
  workers.push(worker);
  return worker;
}

async function submit(count: number): Promise<string[]> {
  const data = new FormData();
  for (let i = 0; i < count; i++) data.append('image', new Blob([new Uint8Array(image)]), `image-${i}.jpg`);
  const body = (await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data }).then((r) => r.json())) as { jobs: { id: string }[] };
  return body.jobs.map((job) => job.id);
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const volunteers = (query = '') => fetch(`${master.url}/api/volunteers${query}`).then((r) => r.json()) as Promise<VolunteersView>;
const own = ({ workerId, token }: WorkerIdentity) =>
  fetch(`${master.url}/api/volunteers/me`, { headers: { 'x-worker-id': workerId, 'x-worker-token': token } }).then((r) => r.json()) as Promise<OwnStandingView>;

/** A worker that answers `count` jobs as they come, `inferenceMs` each. */
async function answering(name: string, hello: Partial<HelloMessage>, inferenceMs: number) {
  return connect({ name, credit: 1, hello, onJob: (job, worker) => worker.succeed(job.header, 1, inferenceMs) });
}

describe('volunteer credit', () => {
  it('credits each accepted result to the identity the master issued, by browser and backend, and survives a restart', async () => {
    const dataDir = tempDataDir();
    master = await startTestMaster({ dataDir });
    const ADA = (await answering('ada-firefox', { browser: 'firefox', displayName: 'Ada' }, 30)).welcome.identity;
    const ids = await submit(2);
    await until(async () => (await own(ADA)).standing?.images === 2, 'Ada credited for 2');
    workers.splice(0).forEach((worker) => worker.terminate());
    // Ada comes back with the identity she was given: the same volunteer.
    const back = await answering('ada-firefox', { identity: ADA, browser: 'firefox', displayName: 'Ada' }, 30);
    expect(back.welcome.identity.workerId).toBe(ADA.workerId);
    await submit(1);
    await until(async () => (await own(ADA)).standing?.images === 3, 'Ada credited for 3');
    workers.splice(0).forEach((worker) => worker.terminate());

    const BOB = (await answering('bob-chromium', { browser: 'chromium' }, 10)).welcome.identity;
    await submit(5);
    await until(async () => (await own(BOB)).standing?.images === 5, 'Bob credited for 5');
    expect(ids).toHaveLength(2);

    const board = await volunteers();
    expect(board).toMatchObject({ offset: 0, limit: 20, total: 2 });
    expect(board.volunteers).toEqual([
      { rank: 1, displayName: null, images: 5, computeMs: 50 },
      { rank: 2, displayName: 'Ada', images: 3, computeMs: 90 },
    ]);
    expect(board.totals).toEqual({
      images: 8,
      computeMs: 140,
      byBrowser: [
        { key: 'chromium', images: 5, computeMs: 50 },
        { key: 'firefox', images: 3, computeMs: 90 },
      ],
      byBackend: [{ key: 'cpu', images: 8, computeMs: 140 }],
    });
    // Nothing identifies a volunteer who did not opt in: no id anywhere in the answer.
    expect(JSON.stringify(board)).not.toContain(BOB.workerId);

    await master.close();
    master = await startTestMaster({ dataDir });
    expect((await own(ADA)).standing).toEqual({ rank: 2, displayName: 'Ada', images: 3, computeMs: 90 });
    // The restarted master still accepts the identity (its secret is kept in the data dir).
    expect((await answering('ada-firefox', { identity: ADA }, 30)).welcome.identity.workerId).toBe(ADA.workerId);
  });

  it("lets nobody claim another volunteer's credit: a forged token is refused, an unsigned id gets its own identity", async () => {
    master = await startTestMaster();
    const ADA = (await answering('ada', {}, 10)).welcome.identity;
    await submit(2);
    await until(async () => (await own(ADA)).standing?.images === 2, 'Ada credited');
    workers.splice(0).forEach((worker) => worker.terminate());

    const forged = { workerId: ADA.workerId, token: `${ADA.token.slice(0, -2)}${ADA.token.at(-2) === 'A' ? 'B' : 'A'}${ADA.token.at(-1)}` };
    const refusal = await connect({ name: 'eve', credit: 1, hello: { identity: forged } }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(WorkerRefusedError);
    expect(refusal).toMatchObject({ code: CloseCode.badIdentityToken, reason: 'worker identity token does not verify' });
    expect((await fetch(`${master.url}/api/volunteers/me`, { headers: { 'x-worker-id': forged.workerId, 'x-worker-token': forged.token } })).status).toBe(403);

    const eve = await answering('eve', {}, 10);
    expect(eve.welcome.identity.workerId).not.toBe(ADA.workerId);
    await submit(1);
    await until(async () => (await own(eve.welcome.identity)).standing?.images === 1, 'Eve credited for her own work');
    expect((await own(ADA)).standing?.images).toBe(2);
  });

  it('gives no credit for a refused answer, nor to the trusted fleet', async () => {
    const fleetToken = 'fleet-token-for-the-test';
    master = await startTestMaster({ fleetToken });
    const ada = await connect({ name: 'ada', credit: 1 });
    const ADA = ada.welcome.identity;
    const [id] = await submit(1);
    await until(() => ada.jobs.length === 1, 'a job for Ada');
    const header = ada.jobs[0]!.header;
    ada.succeed({ ...header, leaseId: 'not-the-lease' }, 1, 10); // fenced off
    ada.succeed(header, 1, 10);
    await until(async () => (await fetch(`${master.url}/api/jobs/${id}`).then((r) => r.json())).status === 'done', 'the job done');
    ada.succeed(header, 1, 10); // a replay of an answer already accepted
    const rejected = () => Object.values(master.lifecycle.counters.rejected).reduce((sum, count) => sum + count, 0);
    await until(() => rejected() === 2, 'both refusals');
    ada.terminate();
    const fleet = await answering('fleet', { fleetToken }, 10);
    expect(fleet.welcome.workerClass).toBe('trusted');
    const [other] = await submit(1);
    await until(async () => (await fetch(`${master.url}/api/jobs/${other}`).then((r) => r.json())).status === 'done', 'the second job done');
    expect((await own(ADA)).standing).toEqual({ rank: 1, displayName: null, images: 1, computeMs: 10 });
    expect((await volunteers()).total).toBe(1);
  });

  it('credits an answer once a job ends on it, verified or confirmed: never one outvoted, still a vote, or unverified', async () => {
    const fleetToken = 'fleet-token-for-the-test';
    // No spot checks here, so no volunteer has a say (MIN_CHECKS_TO_VERIFY 1): every volunteer's answer is a vote.
    master = await startTestMaster({ fleetToken, minChecksToVerify: 1, maxReplicas: 3 });
    const job = (id: string) => fetch(`${master.url}/api/jobs/${id}`).then((r) => r.json()) as Promise<JobDetailView>;
    /** Each volunteer on a network of its own (a loopback address): one network's identities vote once on a job. */
    const voteOnce = async (name: string, index: number, id: string, votes: number, localAddress: string) => {
      const volunteer = await connect({ name, credit: 1, localAddress, onJob: (j, worker) => worker.succeed(j.header, index, 40) });
      await until(async () => (await job(id)).votes === votes, `${name}'s vote kept`);
      volunteer.terminate();
      return volunteer.welcome.identity;
    };
    const [confirmed] = await submit(1);
    const LIAR = await voteOnce('liar', 7, confirmed!, 1, '127.0.0.1');
    expect((await own(LIAR)).standing).toBeNull();
    // A third identity is asked; the fleet's worker comes first, and agrees with the second.
    const HONEST = await voteOnce('honest', 1, confirmed!, 2, '127.0.0.2');
    expect((await own(HONEST)).standing).toBeNull();
    const fleet = await answering('fleet', { fleetToken }, 10);
    await until(async () => (await job(confirmed!)).status === 'done', 'the job confirmed by the fleet');
    expect((await job(confirmed!)).result!.verification!.state).toBe('trusted');
    await until(async () => (await own(HONEST)).standing !== null, 'the honest volunteer credited');
    expect((await own(HONEST)).standing).toMatchObject({ images: 1, computeMs: 40 });
    expect((await own(LIAR)).standing).toBeNull();
    fleet.terminate();

    // With no trusted worker connected, MAX_REPLICAS votes end the job unverified: nobody is credited for it.
    const [unverified] = await submit(1);
    const FIRST = await voteOnce('first', 1, unverified!, 1, '127.0.0.1');
    const SECOND = await voteOnce('second', 1, unverified!, 2, '127.0.0.2');
    const third = await connect({ name: 'third', credit: 1, localAddress: '127.0.0.3', onJob: (j, worker) => worker.succeed(j.header, 1, 40) });
    await until(async () => (await job(unverified!)).status === 'done', 'the job ended');
    expect((await job(unverified!)).result!.verification!.state).toBe('unverified');
    for (const identity of [FIRST, SECOND, third.welcome.identity]) expect((await own(identity)).standing).toBeNull();
    expect((await volunteers()).totals.images).toBe(1);
  });

  it('takes a name set or withdrawn over the socket, and shows the donor limits with the worker', async () => {
    master = await startTestMaster();
    const ada = await answering('ada', { limits: { cpuShare: 25, imagesPerHour: 120 } }, 10);
    const ADA = ada.welcome.identity;
    await submit(1);
    await until(async () => (await own(ADA)).standing !== null, 'Ada credited');
    const listed = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    expect(listed.workers[0]).toMatchObject({ name: 'ada', workerId: ADA.workerId, workerClass: 'volunteer', cpuShare: 25, imagesPerHour: 120 });

    ada.send({ type: 'profile', displayName: '<b>Ada</b>' });
    await until(async () => (await own(ADA)).standing?.displayName === '<b>Ada</b>', 'the name stored as given');
    ada.send({ type: 'credit', credit: 1, limits: { cpuShare: 50, imagesPerHour: null } });
    await until(async () => {
      const { workers } = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
      return workers[0]?.cpuShare === 50 && workers[0]?.imagesPerHour === null;
    }, 'the new limits');
    ada.send({ type: 'profile', displayName: null });
    await until(async () => (await own(ADA)).standing?.displayName === null, 'the name withdrawn');
  });

  // Joined by a zero-width joiner (U+200D), the rainbow's after a variation selector; Scotland's flag is 🏴 and tags.
  it.each(['👩\u200D💻 ana', '🏳\uFE0F\u200D🌈', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'])(
    'takes %s as a worker name and a leaderboard name, as it was written',
    async (name) => {
      master = await startTestMaster();
      const worker = await answering(name, { displayName: name }, 10);
      await submit(1);
      await until(async () => (await own(worker.welcome.identity)).standing !== null, 'the volunteer credited');
      expect((await own(worker.welcome.identity)).standing?.displayName).toBe(name);
      const listed = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
      expect(listed.workers.map((listedWorker) => listedWorker.name)).toEqual([name]);
    },
  );

  it.each([
    ['a malformed identity', { identity: { workerId: 'short', token: 'x' } }],
    ['a display name with a control character', { displayName: 'Ada\u0000' }],
    ['a worker name that turns the text after it around (U+202E)', { name: '\u202Eevil' }],
    ['a display name with a zero-width space', { displayName: 'a\u200Bb' }],
    ['a display name over 40 characters', { displayName: 'x'.repeat(41) }],
    ['a display name that shows blank (Hangul fillers)', { displayName: '\u3164\u3164' }],
    ['a display name stacking 6 marks on one letter', { displayName: 'A' + '\u0336'.repeat(6) }],
    ['a CPU share not offered', { limits: { cpuShare: 30, imagesPerHour: null } }],
    ['an hourly cap of 0', { limits: { cpuShare: 100, imagesPerHour: 0 } }],
  ])('refuses a hello with %s', async (_what, extra) => {
    master = await startTestMaster();
    const model = (await fetch(`${master.url}/api/model`).then((r) => r.json())) as { hash: string };
    const socket = new WebSocket(`${master.url.replace(/^http/, 'ws')}${WORKER_SOCKET_PATH}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const reply = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
    socket.send(
      JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name: 'w', kind: 'volunteer', backend: 'wasm', model: model.hash, credit: 1, ...extra }),
    );
    expect(JSON.parse(await reply)).toMatchObject({ type: 'error', code: 'bad-message' });
    socket.terminate();
  });

  it('answers bad paging and a missing id in plain words, and a volunteer without credit with null', async () => {
    master = await startTestMaster({ maxLeaderboardPage: 50 });
    for (const [query, code] of [
      ['?limit=0', 'bad-limit'],
      ['?limit=51', 'bad-limit'],
      ['?offset=-1', 'bad-offset'],
      ['?limit=abc', 'bad-limit'],
    ] as const) {
      const response = await fetch(`${master.url}/api/volunteers${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect((await volunteers('?limit=50')).limit).toBe(50);
    const noId = await fetch(`${master.url}/api/volunteers/me`);
    expect(noId.status).toBe(400);
    expect(((await noId.json()) as { error: { message: string } }).error.message).toMatch(/X-Worker-Id and X-Worker-Token/);
    const fresh = await connect({ name: 'fresh', credit: 0 });
    expect(await own(fresh.welcome.identity)).toEqual({ standing: null });
  });
});
