// The OpenAPI description against the code: every express route is described (and
// nothing else), and the real answers of every route, success and error, validate
// against the document's schemas — on real masters over both stores.
import { Verifier } from '../trust/verification.ts';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { settled, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { DEFAULT_TEST_LIMITS, deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, TEST_FLEET_TOKEN, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';
import { makeConfig } from '../config.ts';
import { BoardStreams } from '../events/board-streams.ts';
import { LiveEvents } from '../events/live-events.ts';
import { newHubCounters } from '../hub/worker-hub.ts';
import { WorkerRegistry } from '../hub/worker-registry.ts';
import { ImagePreparer } from '../images/prepared-image.ts';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import { createApp } from '../http/app.ts';
import { proxyTrust } from '../http/client-address.ts';
import { RequestRate } from '../http/request-rate.ts';
import { NewIdentityRate } from '../identity/new-identity-rate.ts';
import { APP_PAGES } from '../http/web-app.ts';
import { verificationPolicyView } from '../http/verification-router.ts';
import { openApiDocument } from '../../test/support/api-document.ts';
import { createLogger } from '../log.ts';
import { loadModelFiles } from '../model/model-files.ts';
import { startMasterStats } from '../stats/master-stats.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { SqliteVolunteerLedger } from '../volunteers/sqlite-volunteer-ledger.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';
import { OwnerKeys } from '../identity/owner-keys.ts';
import { WorkerIdentities } from '../identity/worker-identities.ts';
import { defaultModelDir } from '../../test/support/paths.ts';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
const doc = openApiDocument as unknown as Doc;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Routes that are not the API: the web app's pages, and the files the /api/docs page loads. */
const NOT_API = [`GET ${String(APP_PAGES)}`, 'GET /api/docs/init.js', 'GET /api/docs/swagger-ui.css', 'GET /api/docs/swagger-ui-bundle.js'];

const ADMIN_TOKEN = 'openapi-test-token';
const MAX_UPLOAD_BYTES = 200_000;
const images = devImages().filter((image) => fs.statSync(image.path).size < MAX_UPLOAD_BYTES);
const imageBytes = (i: number) => new Uint8Array(fs.readFileSync(images[i]!.path));

function validator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(openApiDocument, 'doc');
  return ajv;
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 whose schemas all compile', () => {
    expect(openApiDocument.openapi).toBe('3.1.0');
    const ajv = validator();
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const type of Object.keys(response.content ?? {})) {
            expect(ajv.getSchema(`doc#/${pointer('paths', template, method, 'responses', status, 'content', type, 'schema')}`)).toBeTypeOf('function');
          }
        }
      }
    }
  });

  it('describes every express route, and no route that does not exist', async () => {
    const dataDir = tempDataDir();
    const config = makeConfig({ port: 0, modelDir: defaultModelDir, dataDir, logLevel: 'silent' });
    const log = createLogger('silent');
    const store = new SqliteJobStore(dataDir, DEFAULT_TEST_LIMITS);
    const events = new LiveEvents();
    const workers = new WorkerRegistry(events, config.workerEventsEveryMs);
    const boards = new BoardStreams(
      events,
      { maxClients: 1, stallMs: 1_000, replayEvents: 1, replayBytes: 1 << 20, reconnectMs: 5_000, keepaliveMs: 15_000 },
      () => workers.size,
    );
    const identityStore = new SqliteIdentityStore(dataDir);
    const verifier = new Verifier(config, identityStore);
    const lifecycle = new JobLifecycle({ store, events, workers, log, leaseMs: config.leaseMs, verifier, maxWaitingVotes: config.maxWaitingVotes });
    const stats = startMasterStats({ store, events, boards, lifecycle, workers, hubCounters: newHubCounters(), log, workersShown: config.statsWorkersShown });
    const model = loadModelFiles(config.modelDir, config.modelInputRange);
    const ledger = new SqliteVolunteerLedger(dataDir);
    const identities = await WorkerIdentities.open(identityStore, { newIdentities: new NewIdentityRate(config), tokenMaxAgeMs: config.identityTokenMaxAgeMs });
    const app = createApp({
      config,
      store,
      lifecycle,
      workers,
      boards,
      model,
      preparer: new ImagePreparer(model.view.imageSize, config.maxImagePixels),
      verificationPolicy: verificationPolicyView(config, false),
      log,
      stats,
      ledger,
      identities,
      ownerKeys: new OwnerKeys('a secret for the test'),
      draining: () => false,
      requestRate: new RequestRate(config),
      proxyTrust: proxyTrust(config.trustedProxies),
    });
    stats.stop();
    boards.close();
    workers.stop();
    await store.close();
    await ledger.close();
    await identityStore.close();

    const routes = expressRoutes(app.router.stack as Layer[], '');
    const described = Object.entries(doc.paths).flatMap(([template, operations]) =>
      Object.keys(operations)
        .filter((method) => METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(routes.filter((route) => !NOT_API.includes(route)).sort()).toEqual(described.sort());
  });
});

interface Layer {
  rawPath?: string | RegExp;
  route?: { path: string | RegExp; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** "METHOD /path" of every route in an express (v5) router, through mounted sub-routers. */
function expressRoutes(stack: Layer[], prefix: string): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path instanceof RegExp ? String(layer.route.path) : `${prefix}${layer.route.path === '/' && prefix ? '' : layer.route.path}`;
      return Object.keys(layer.route.methods)
        .filter((method) => method !== '_all')
        .map((method) => `${method.toUpperCase()} ${path}`);
    }
    if (layer.handle.stack)
      return expressRoutes(layer.handle.stack, typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? prefix + layer.rawPath : prefix);
    return [];
  });
}

const STORES = [
  { name: 'sqlite', overrides: () => ({}) },
  { name: 'redis', overrides: () => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];

describe.each(STORES)('real answers on $name match the description', ({ overrides }) => {
  const masters: TestMaster[] = [];
  const workers: SyntheticWorker[] = [];
  afterEach(async () => {
    for (const worker of workers.splice(0)) worker.close();
    for (const master of masters.splice(0)) {
      await master.close();
      if (master.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
    }
  });

  it('for every route, success and error', async () => {
    const master = await startTestMaster({ ...overrides(), adminToken: ADMIN_TOKEN, maxUploadBytes: MAX_UPLOAD_BYTES, maxFilesPerUpload: 3 });
    masters.push(master);
    const ajv = validator();
    const exercised = new Set<string>();

    /** Sends a request, checks its status is described for the route and its body validates; returns the body. */
    async function call(method: string, template: string, path: string, wanted: number, init: RequestInit = {}): Promise<unknown> {
      const response = await fetch(`${master.url}${path}`, { ...init, method: method.toUpperCase() });
      const where = `${method.toUpperCase()} ${path}`;
      expect(response.status, where).toBe(wanted);
      const described = doc.paths[template]?.[method]?.responses[String(wanted)];
      expect(described, `${where} answers ${wanted}, which the description does not list`).toBeDefined();
      exercised.add(`${method} ${template}`);
      const body = Buffer.from(await response.arrayBuffer());
      const type = response.headers.get('content-type')?.split(';')[0] ?? '';
      if (!described!.content) {
        expect(body.length, `${where} has a body the description does not`).toBe(0);
        return null;
      }
      const mediaType = Object.keys(described!.content).find(
        (candidate) => candidate === type || (candidate.endsWith('/*') && type.startsWith(candidate.slice(0, -1))),
      );
      expect(mediaType, `${where} answered ${type}; described: ${Object.keys(described!.content)}`).toBeDefined();
      if (type !== 'application/json') return body;
      const value = JSON.parse(body.toString()) as unknown;
      const validate = ajv.getSchema(`doc#/${pointer('paths', template, method, 'responses', String(wanted), 'content', type, 'schema')}`)!;
      expect(validate(value) ? [] : validate.errors, `${where} → ${wanted}`).toEqual([]);
      return value;
    }
    const form = (files: { bytes: Uint8Array; name: string }[], field = 'image') => {
      const body = new FormData();
      for (const file of files) body.append(field, new Blob([new Uint8Array(file.bytes)]), file.name);
      return body;
    };
    const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

    // Live events, read while everything else happens.
    const board = new AbortController();
    const stream = await fetch(`${master.url}/api/events`, { signal: board.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const streamed: { name: string; data: unknown }[] = [];
    const reading = (async () => {
      let buffer = '';
      try {
        for await (const chunk of Readable.fromWeb(stream.body as WebReadableStream<Uint8Array>)) {
          buffer += Buffer.from(chunk).toString();
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const name = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (name && data) streamed.push({ name, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted at the end
      }
    })();

    // A worker that answers its first job and fails its second for good.
    let received = 0;
    workers.push(
      await SyntheticWorker.connect({
        masterUrl: master.url,
        hello: { fleetToken: TEST_FLEET_TOKEN },
        onJob: (job, self) => (received++ === 0 ? self.succeed(job.header, 281) : self.fail(job.header, 'cannot decode', false)),
      }),
    );

    const submitted = (await call('post', '/api/jobs', '/api/jobs', 201, { body: form([{ bytes: imageBytes(0), name: 'a.jpg' }]) })) as {
      jobs: { id: string }[];
    };
    const [doneId] = submitted.jobs.map((job) => job.id);
    await settled(master.url, [doneId!], 20_000);
    const again = (await call('post', '/api/jobs', '/api/jobs', 201, {
      body: form([{ bytes: imageBytes(1), name: 'b.jpg' }]),
      headers: { 'Idempotency-Key': 'k1' },
    })) as {
      jobs: { id: string }[];
      ownerKey: string;
    };
    const failedId = again.jobs[0]!.id;
    const owner = { authorization: `Bearer ${again.ownerKey}` };
    await settled(master.url, [failedId], 20_000);
    await call('post', '/api/jobs', '/api/jobs', 201, {
      body: form([{ bytes: imageBytes(1), name: 'b.jpg' }]),
      headers: { 'Idempotency-Key': 'k1', ...owner },
    });
    await call('post', '/api/jobs', '/api/jobs', 401, { body: form([{ bytes: imageBytes(1), name: 'b.jpg' }]), headers: { authorization: 'Bearer forged' } });
    const stranger = { authorization: `Bearer ${((await call('post', '/api/owner', '/api/owner', 201)) as { ownerKey: string }).ownerKey}` };
    await call('post', '/api/owner', '/api/owner', 200, { headers: owner });
    await call('post', '/api/owner', '/api/owner', 401, { headers: { authorization: 'Bearer forged' } });
    await call('post', '/api/jobs', '/api/jobs', 400, { body: new FormData() });
    await call('post', '/api/jobs', '/api/jobs', 400, { body: form([{ bytes: imageBytes(0), name: 'a.jpg' }], 'photo') });
    await call('post', '/api/jobs', '/api/jobs', 400, {
      body: form([{ bytes: imageBytes(0), name: 'a.jpg' }]),
      headers: { 'Idempotency-Key': 'k'.repeat(201) },
    });
    await call('post', '/api/jobs', '/api/jobs', 415, { body: form([{ bytes: new TextEncoder().encode('not an image'), name: 'a.jpg' }]) });
    await call('post', '/api/jobs', '/api/jobs', 413, { body: form([{ bytes: new Uint8Array(MAX_UPLOAD_BYTES + 1), name: 'big.jpg' }]) });
    await call('post', '/api/jobs', '/api/jobs', 413, { body: form([0, 0, 0, 0].map((i) => ({ bytes: imageBytes(i), name: 'a.jpg' }))) });

    await call('get', '/api/jobs', '/api/jobs?status=done&limit=10', 200);
    await call('get', '/api/jobs', '/api/jobs', 401, { headers: { authorization: 'Bearer forged' } });
    // A cursor with leading zeros or past 16 digits: Redis compared it as text and SQLite as a number, so they disagreed.
    for (const query of ['status=finished', 'limit=0', 'cursor=abc', 'cursor=007', `cursor=${'9'.repeat(17)}`])
      await call('get', '/api/jobs', `/api/jobs?${query}`, 400);
    await call('get', '/api/jobs/export', '/api/jobs/export', 200);
    await call('get', '/api/jobs/export', '/api/jobs/export?format=jsonl&status=done&since=2020-01-01T00:00:00Z', 200);
    for (const query of ['status=finished', 'since=soon', 'format=xml']) await call('get', '/api/jobs/export', `/api/jobs/export?${query}`, 400);
    await call('get', '/api/jobs/export', '/api/jobs/export', 401, { headers: { authorization: 'Bearer forged' } });

    const done = (await call('get', '/api/jobs/{id}', `/api/jobs/${doneId}`, 200)) as { status: string; result: unknown };
    expect(done.status).toBe('done');
    await call('get', '/api/jobs/{id}', '/api/jobs/nope', 404);
    await call('get', '/api/jobs/{id}', `/api/jobs/${doneId}`, 401, { headers: { authorization: 'Bearer forged' } });
    await call('get', '/api/jobs/{id}/image', `/api/jobs/${doneId}/image`, 200);
    await call('get', '/api/jobs/{id}/image', '/api/jobs/nope/image', 404);
    await call('get', '/api/jobs/{id}/image', `/api/jobs/${doneId}/image`, 401, { headers: { authorization: 'Bearer forged' } });
    await call('post', '/api/jobs/{id}/retry', `/api/jobs/${failedId}/retry`, 401);
    await call('post', '/api/jobs/{id}/retry', `/api/jobs/${failedId}/retry`, 403, { headers: stranger });
    await call('post', '/api/jobs/{id}/retry', `/api/jobs/${failedId}/retry`, 200, { headers: owner });
    await call('post', '/api/jobs/{id}/retry', `/api/jobs/${doneId}/retry`, 409, { headers: bearer });
    await call('post', '/api/jobs/{id}/retry', '/api/jobs/nope/retry', 404);
    await call('delete', '/api/jobs/{id}', `/api/jobs/${doneId}`, 401);
    await call('delete', '/api/jobs/{id}', `/api/jobs/${doneId}`, 403, { headers: stranger });
    await call('delete', '/api/jobs/{id}', `/api/jobs/${doneId}`, 204, { headers: bearer });
    await call('delete', '/api/jobs/{id}', `/api/jobs/${doneId}`, 404, { headers: bearer });

    await call('get', '/api/workers', '/api/workers', 200);
    await call('get', '/api/volunteers', '/api/volunteers?offset=0&limit=5', 200);
    for (const query of ['offset=-1', 'limit=0']) await call('get', '/api/volunteers', `/api/volunteers?${query}`, 400);
    const { workerId, token } = workers[0]!.welcome.identity;
    await call('get', '/api/volunteers/me', '/api/volunteers/me', 200, { headers: { 'X-Worker-Id': workerId, 'X-Worker-Token': token } });
    await call('get', '/api/volunteers/me', '/api/volunteers/me', 400);
    await call('get', '/api/volunteers/me', '/api/volunteers/me', 403, { headers: { 'X-Worker-Id': workerId, 'X-Worker-Token': 'A'.repeat(43) } });
    await call('post', '/api/workers/{workerId}/revoke', `/api/workers/${workerId}/revoke`, 401);
    await call('post', '/api/workers/{workerId}/revoke', '/api/workers/bad/revoke', 400, { headers: bearer });
    await call('post', '/api/workers/{workerId}/revoke', `/api/workers/${workerId}/revoke`, 200, { headers: bearer });
    await call('get', '/api/stats', '/api/stats', 200);
    await call('get', '/metrics', '/metrics', 200);
    const model = (await call('get', '/api/model', '/api/model', 200)) as { hash: string };
    await call('get', '/api/verification', '/api/verification', 200);
    await call('get', '/models/{hash}/{file}', `/models/${model.hash}/model.json`, 200);
    await call('get', '/models/{hash}/{file}', `/models/${model.hash}/secrets.txt`, 404);
    await call('get', '/api/health', '/api/health', 200);
    await call('get', '/livez', '/livez', 200);
    await call('get', '/readyz', '/readyz', 200);
    await call('get', '/api/openapi.json', '/api/openapi.json', 200);
    await call('get', '/api/docs', '/api/docs', 200);

    await call('delete', '/api/jobs', '/api/jobs', 401, { headers: { authorization: 'Bearer wrong-token' } });
    await call('delete', '/api/jobs', '/api/jobs', 200, { headers: bearer });

    // A master with no admin token refuses bulk deletion; one with a full queue refuses uploads.
    const strict = await startTestMaster({ ...overrides(), maxPendingJobs: 1 });
    masters.push(strict);
    const strictCall = async (method: string, path: string, wanted: number, init: RequestInit, template = path) => {
      const response = await fetch(`${strict.url}${path}`, { ...init, method });
      expect(response.status).toBe(wanted);
      const validate = ajv.getSchema(
        `doc#/${pointer('paths', template, method.toLowerCase(), 'responses', String(wanted), 'content', 'application/json', 'schema')}`,
      )!;
      const value = await response.json();
      expect(validate(value) ? [] : validate.errors).toEqual([]);
    };
    await strictCall('DELETE', '/api/jobs', 403, {});
    await strictCall('POST', '/api/jobs', 201, { body: form([{ bytes: imageBytes(0), name: 'a.jpg' }]) });
    await strictCall('POST', '/api/jobs', 503, { body: form([{ bytes: imageBytes(0), name: 'a.jpg' }]) });

    // Every described operation was called.
    const operations = Object.entries(doc.paths).flatMap(([template, ops]) => Object.keys(ops).map((method) => `${method} ${template}`));
    expect(operations.filter((operation) => operation !== 'get /api/events' && !exercised.has(operation))).toEqual([]);

    // The event stream: each event's name is its type, and its data a described LiveEvent.
    await until(() => streamed.some((event) => event.name === 'job-deleted'), 'a job-deleted event');
    board.abort();
    await reading;
    const validateEvent = ajv.getSchema(`doc#/${pointer('paths', '/api/events', 'get', 'responses', '200', 'content', 'text/event-stream', 'schema')}`)!;
    for (const event of streamed) {
      expect(validateEvent(event.data) ? [] : validateEvent.errors).toEqual([]);
      expect(event.name).toBe((event.data as { type: string }).type);
    }
    expect(new Set(streamed.map((event) => event.name))).toEqual(new Set(['workers-changed', 'keepalive', 'job', 'job-deleted']));
  });
});
