// Who may do what (master/http/job-access.ts), against a real master on both stores and both boards: the
// owner, the admin, a stranger (another owner) and a requester with no credentials, on every endpoint that
// reads or changes a job; forged keys; Idempotency-Key scoped to its owner; API keys mode.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, JobDetailView, JobPage, SubmitResponse } from '../api-types.ts';
import type { Config } from '../config.ts';
import { OwnerKeys } from '../identity/owner-keys.ts';
import { devImages } from '../../test/support/paths.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { until } from '../../test/support/jobs-client.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import { newJob } from '../../metrics/uploaded-files.ts';

const STORES = [
  { name: 'sqlite', overrides: () => ({}) },
  { name: 'redis', overrides: () => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];
const ADMIN_TOKEN = 'admin-token-of-the-access-tests';
const [cat, dog] = devImages(2).map((image) => fs.readFileSync(image.path));

type Party = 'owner' | 'admin' | 'stranger' | 'nobody';
const PARTIES: Party[] = ['owner', 'admin', 'stranger', 'nobody'];

interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A master and the parties that ask it: the owner and the stranger hold keys the master issued. */
function withMaster(overrides: () => Partial<Record<keyof Config, unknown>>) {
  const context = {
    master: undefined as unknown as TestMaster,
    keys: {} as Record<Party, Record<string, string>>,
    async start(extra: Partial<Record<keyof Config, unknown>> = {}) {
      context.master = await startTestMaster({ ...overrides(), adminToken: ADMIN_TOKEN, ...extra });
      context.keys = { owner: {}, stranger: {}, admin: bearer(ADMIN_TOKEN), nobody: {} };
      if (!extra.apiKeys) {
        context.keys.owner = bearer(((await context.ask('POST', '/api/owner', {})).body as { ownerKey: string }).ownerKey);
        context.keys.stranger = bearer(((await context.ask('POST', '/api/owner', {})).body as { ownerKey: string }).ownerKey);
      }
    },
    async stop() {
      await context.master?.close();
      if (context.master?.config.redisUrl) await deleteRedisKeys(context.master.config.redisPrefix);
    },
    async ask<T = unknown>(method: string, path: string, headers: Record<string, string>, body?: FormData): Promise<Answer<T>> {
      const response = await fetch(`${context.master.url}${path}`, { method, headers, body });
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      return { status: response.status, headers: response.headers, body: (type.split(';')[0] === 'application/json' ? JSON.parse(text) : text) as T };
    },
    async submit(headers: Record<string, string>, image = cat!, extra: Record<string, string> = {}): Promise<Answer<SubmitResponse & ApiError>> {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(image)]), 'cat.jpg');
      return context.ask('POST', '/api/jobs', { ...headers, ...extra }, form);
    },
    /** A job of the owner's, queued. */
    async ownersJob(): Promise<string> {
      const answer = await context.submit(context.keys.owner);
      expect(answer.status).toBe(201);
      return answer.body.jobs[0]!.id;
    },
    async stored(): Promise<number> {
      return Object.values(await context.master.store.counts()).reduce((sum, n) => sum + n, 0);
    },
  };
  return context;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe.each(STORES)('access on $name', ({ overrides }) => {
  describe.each(['public', 'private'] as const)('with a %s board', (board) => {
    const grid = withMaster(overrides);
    beforeAll(() => grid.start({ board }));
    afterAll(() => grid.stop());
    const sees = (party: Party) => board === 'public' || party === 'owner' || party === 'admin';

    it.each(PARTIES)('reading as %s: the list, the job, its image and the export', async (party) => {
      const id = await grid.ownersJob();
      const headers = grid.keys[party];
      const list = await grid.ask<JobPage>('GET', '/api/jobs?limit=500', headers);
      expect(list.status).toBe(200);
      expect(list.body.jobs.some((job) => job.id === id)).toBe(sees(party));
      if (!sees(party)) expect(list.body.jobs.every((job) => job.owner !== null && job.owner !== 'admin')).toBe(true);
      if (party === 'nobody' && board === 'private') expect(list.body).toEqual({ jobs: [], nextCursor: null });

      const job = await grid.ask<JobDetailView & ApiError>('GET', `/api/jobs/${id}`, headers);
      expect(job.status).toBe(sees(party) ? 200 : 404);
      if (!sees(party)) expect(job.body.error.code).toBe('job-not-found');

      const image = await grid.ask('GET', `/api/jobs/${id}/image`, headers);
      expect(image.status).toBe(sees(party) ? 200 : 404);
      expect(image.headers.get('content-type')).toBe(sees(party) ? 'image/jpeg' : 'application/json; charset=utf-8');

      const exported = await grid.ask<string>('GET', '/api/jobs/export?format=jsonl', headers);
      expect(exported.status).toBe(200);
      expect(exported.body.includes(id)).toBe(sees(party));
    });

    it('lists pages of jobs by the same rule: every job on a public board, the own on a private one', async () => {
      const mine = [await grid.ownersJob(), await grid.ownersJob(), await grid.ownersJob()];
      const theirs = (await grid.submit(grid.keys.stranger)).body.jobs[0]!.id;
      const first = await grid.ask<JobPage>('GET', '/api/jobs?limit=2', grid.keys.owner);
      const ids = first.body.jobs.map((job) => job.id);
      if (board === 'private') {
        expect(ids).toEqual([mine[2], mine[1]]);
        const second = await grid.ask<JobPage>('GET', `/api/jobs?limit=2&cursor=${first.body.nextCursor}`, grid.keys.owner);
        expect(second.body.jobs[0]!.id).toBe(mine[0]);
        const queued = await grid.ask<JobPage>('GET', '/api/jobs?status=queued&limit=500', grid.keys.stranger);
        expect(queued.body.jobs.map((job) => job.id)).toContain(theirs);
        expect(queued.body.jobs.filter((job) => mine.includes(job.id))).toEqual([]);
      } else {
        expect(ids).toEqual([theirs, mine[2]]);
      }
    });

    it.each(PARTIES)(
      'changing as %s: retry and delete of one job need its owner or the admin (to others, on a private board, it does not exist)',
      async (party) => {
        const id = await grid.ownersJob();
        const headers = grid.keys[party];
        const retry = await grid.ask<ApiError>('POST', `/api/jobs/${id}/retry`, headers);
        const removal = await grid.ask<ApiError>('DELETE', `/api/jobs/${id}`, headers);
        if (party === 'owner' || party === 'admin') {
          // Allowed: a queued job cannot be retried (409), and it is deleted.
          expect(retry.body.error.code).toBe('not-failed');
          expect(removal.status).toBe(204);
          expect(await grid.master.store.get(id)).toBeNull();
          return;
        }
        // On a private board another's job does not exist, as a spot check's id (never stored) does not.
        const refusal =
          board === 'private'
            ? { status: 404, code: 'job-not-found' }
            : party === 'nobody'
              ? { status: 401, code: 'credentials-required' }
              : { status: 403, code: 'not-your-job' };
        for (const answer of [retry, removal]) {
          expect(answer.status).toBe(refusal.status);
          expect(answer.body.error.code).toBe(refusal.code);
          expect(answer.body.error.message).toContain(id);
        }
        expect((await grid.master.store.get(id))?.status).toBe('queued');
      },
    );

    it('leaves clearing every job to the admin', async () => {
      await grid.ownersJob();
      for (const party of ['owner', 'stranger', 'nobody'] as const) {
        const answer = await grid.ask<ApiError>('DELETE', '/api/jobs', grid.keys[party]);
        expect(answer.status).toBe(401);
        expect(answer.body.error.code).toBe('admin-token-required');
      }
      expect(await grid.stored()).toBeGreaterThan(0);
    });

    it('lets only the admin change a job stored before owners existed', async () => {
      const [old] = (await grid.master.store.create([newJob('old.jpg', 'image/jpeg', cat!)], Date.now())).jobs;
      expect(old!.owner).toBeNull();
      for (const party of ['owner', 'stranger'] as const)
        expect((await grid.ask('DELETE', `/api/jobs/${old!.id}`, grid.keys[party])).status).toBe(board === 'public' ? 403 : 404);
      expect((await grid.ask('GET', `/api/jobs/${old!.id}`, grid.keys.owner)).status).toBe(board === 'public' ? 200 : 404);
      expect((await grid.ask('DELETE', `/api/jobs/${old!.id}`, grid.keys.admin)).status).toBe(204);
    });

    it('refuses a forged owner key (401) on every job endpoint, storing nothing', async () => {
      const id = await grid.ownersJob();
      const before = await grid.stored();
      const owner = grid.keys.owner.Authorization!.slice('Bearer '.length);
      const forgeries = [
        `${owner.split('.')[0]}.${'A'.repeat(43)}`, // the owner's id, a made-up signature
        new OwnerKeys('another master secret, not this one').issue().key, // signed, but not by this master
        'anon-me', // no signature at all
      ];
      for (const forged of forgeries) {
        const headers = bearer(forged);
        for (const [method, path] of [
          ['GET', '/api/jobs'],
          ['GET', `/api/jobs/${id}`],
          ['GET', `/api/jobs/${id}/image`],
          ['GET', '/api/jobs/export'],
          ['DELETE', `/api/jobs/${id}`],
          ['POST', `/api/jobs/${id}/retry`],
          ['POST', '/api/owner'],
        ]) {
          const answer = await grid.ask<ApiError>(method!, path!, headers);
          expect(answer.status, `${method} ${path}`).toBe(401);
          expect(answer.body.error.code).toBe('bad-credentials');
        }
        expect((await grid.submit(headers)).status).toBe(401);
      }
      expect(await grid.stored()).toBe(before);
      expect((await grid.master.store.get(id))?.status).toBe('queued');
    });

    it('gives a browser its owner key as an HttpOnly SameSite=Strict cookie that works as the key, and ignores a forged one', async () => {
      const submitted = await grid.submit({});
      expect(submitted.status).toBe(201);
      const cookie = submitted.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^grid_owner=anon-[\w-]+\.[\w-]+; Max-Age=\d+; Path=\/api; Expires=.+; HttpOnly; SameSite=Strict$/);
      const key = /^grid_owner=([^;]+)/.exec(cookie)![1]!;
      expect(key).toBe(submitted.body.ownerKey);
      const id = submitted.body.jobs[0]!.id;
      expect(submitted.body.jobs[0]!.owner).toBe(key.split('.')[0]);
      // The next submission with the cookie keeps the owner and issues nothing.
      const again = await grid.submit({ Cookie: `grid_owner=${key}` });
      expect(again.body.jobs[0]!.owner).toBe(key.split('.')[0]);
      expect(again.body.ownerKey).toBeUndefined();
      expect(again.headers.get('set-cookie')).toBeNull();

      const forgedCookie = { Cookie: `grid_owner=${key.split('.')[0]}.${'B'.repeat(43)}` };
      const refused = await grid.ask<ApiError>('DELETE', `/api/jobs/${id}`, forgedCookie);
      expect(refused.status).toBe(board === 'public' ? 401 : 404);
      expect(refused.body.error.code).toBe(board === 'public' ? 'credentials-required' : 'job-not-found');
      expect((await grid.ask('GET', `/api/jobs/${id}/image`, forgedCookie)).status).toBe(board === 'public' ? 200 : 404);
      expect((await grid.ask('GET', `/api/jobs/${id}/image`, { Cookie: `grid_owner=${key}` })).status).toBe(200);
      expect((await grid.ask('DELETE', `/api/jobs/${id}`, { Cookie: `theme=dark; grid_owner=${key}` })).status).toBe(204);
    });

    it('scopes an Idempotency-Key to its owner, and refuses its reuse with another image (422) storing nothing', async () => {
      const key = { 'Idempotency-Key': `upload-${randomUUID()}` };
      const mine = await grid.submit(grid.keys.owner, cat, key);
      const theirs = await grid.submit(grid.keys.stranger, cat, key);
      expect(mine.status).toBe(201);
      expect(theirs.status).toBe(201);
      expect(theirs.headers.get('Idempotent-Replayed')).toBe('false');
      expect(theirs.body.jobs[0]!.id).not.toBe(mine.body.jobs[0]!.id);
      const retried = await grid.submit(grid.keys.owner, cat, key);
      expect(retried.headers.get('Idempotent-Replayed')).toBe('true');
      expect(retried.body.jobs.map((job) => job.id)).toEqual(mine.body.jobs.map((job) => job.id));
      const before = await grid.stored();
      const reused = await grid.submit(grid.keys.owner, dog, key);
      expect(reused.status).toBe(422);
      expect(reused.body.error.code).toBe('idempotency-key-reused');
      expect(await grid.stored()).toBe(before);
    });

    it("streams job events to each board by the same rule (the owner's cookie, the admin's token)", async () => {
      const ownerCookie = { Cookie: `grid_owner=${grid.keys.owner.Authorization!.slice('Bearer '.length)}` };
      const streams = {
        owner: await SseClient.open(grid.master.url, { headers: ownerCookie }),
        admin: await SseClient.open(grid.master.url, { headers: grid.keys.admin }),
        stranger: await SseClient.open(grid.master.url, { headers: grid.keys.stranger }),
        nobody: await SseClient.open(grid.master.url),
      };
      try {
        const mine = await grid.ownersJob();
        // Each stream then hears of a job of the stranger's (the admin's on a private board, where the
        // stranger sees only it): events arrive in order, so a stream that missed the owner's missed it for good.
        const later = (await grid.submit(grid.keys.stranger)).body.jobs[0]!.id;
        const jobIds = (client: SseClient) => client.framesNamed('job').map((frame) => (frame.data as { job: { id: string } }).job.id);
        await until(() => jobIds(streams.stranger).includes(later) && jobIds(streams.admin).includes(later), 'the later job on the streams');
        await until(() => jobIds(streams.owner).includes(mine), "the owner's job on its stream");
        if (board === 'public') await until(() => jobIds(streams.nobody).includes(later), 'the later job on the stream without credentials');
        expect(jobIds(streams.admin)).toContain(mine);
        expect(jobIds(streams.stranger).includes(mine)).toBe(board === 'public');
        expect(jobIds(streams.owner).includes(later)).toBe(board === 'public');
        if (board === 'private') {
          // The one without credentials sees no job at all; its stream is open and carries what is not a job's.
          const removed = await grid.ask('DELETE', `/api/jobs/${later}`, grid.keys.stranger);
          expect(removed.status).toBe(204);
          await until(() => streams.nobody.framesNamed('job-deleted').length > 0, 'a deletion on the stream without credentials');
          expect(jobIds(streams.nobody)).toEqual([]);
        }
      } finally {
        for (const client of Object.values(streams)) client.close();
      }
    });
  });

  describe('with API keys', () => {
    const grid = withMaster(overrides);
    afterEach(() => grid.stop());
    const apiKeys = 'lab:lab-key-0123456789abcdef,ci:ci-key-0123456789abcdef';

    it("takes submissions only with an API key (401 otherwise, storing nothing); the key's name owns the jobs", async () => {
      await grid.start({ apiKeys });
      const refused = await grid.submit({});
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('api-key-required');
      expect((await grid.ask<ApiError>('POST', '/api/owner', {})).body.error.code).toBe('api-key-required');
      expect((await grid.submit(bearer('lab-key-not-this-one'))).body.error.code).toBe('bad-credentials');
      expect(await grid.stored()).toBe(0);

      const lab = await grid.submit(bearer('lab-key-0123456789abcdef'));
      expect(lab.status).toBe(201);
      expect(lab.body.ownerKey).toBeUndefined();
      expect(lab.headers.get('set-cookie')).toBeNull();
      const id = lab.body.jobs[0]!.id;
      expect(lab.body.jobs[0]!.owner).toBe('key-lab');
      expect((await grid.ask('POST', '/api/owner', bearer('lab-key-0123456789abcdef'))).body).toMatchObject({ owner: 'key-lab' });

      expect((await grid.ask('DELETE', `/api/jobs/${id}`, bearer('ci-key-0123456789abcdef'))).status).toBe(403);
      expect((await grid.ask('DELETE', `/api/jobs/${id}`, bearer('lab-key-0123456789abcdef'))).status).toBe(204);
      const byAdmin = await grid.submit(grid.keys.admin);
      expect(byAdmin.body.jobs[0]!.owner).toBe('admin');
      expect((await grid.ask('DELETE', `/api/jobs/${byAdmin.body.jobs[0]!.id}`, bearer('lab-key-0123456789abcdef'))).status).toBe(403);
    });

    it('shows each API key its own jobs on a private board', async () => {
      await grid.start({ apiKeys, board: 'private' });
      const lab = (await grid.submit(bearer('lab-key-0123456789abcdef'))).body.jobs[0]!.id;
      const ci = (await grid.submit(bearer('ci-key-0123456789abcdef'))).body.jobs[0]!.id;
      const listed = async (headers: Record<string, string>) => (await grid.ask<JobPage>('GET', '/api/jobs', headers)).body.jobs.map((job) => job.id);
      expect(await listed(bearer('lab-key-0123456789abcdef'))).toEqual([lab]);
      expect(await listed(bearer('ci-key-0123456789abcdef'))).toEqual([ci]);
      expect(await listed(grid.keys.admin)).toEqual([ci, lab]);
      expect(await listed({})).toEqual([]);
    });
  });
});
