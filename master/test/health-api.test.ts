// /livez, /readyz and the store and event-stream health in /metrics, against real
// masters: the embedded store, and a Redis server of the test's own that it stops
// and starts again (never the shared one).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import { createLogger } from '../log.ts';
import { errorHandler } from '../http/errors.ts';
import { healthRouter } from '../http/health-router.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';

const probe = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as unknown };
};

/** The health router alone, with the API's error handler, on an ephemeral port. */
async function serve(router: express.Router): Promise<{ server: Server; url: string }> {
  const server = express()
    .use(router)
    .use(errorHandler(createLogger('silent'), { maxUploadBytes: 1, maxFilesPerUpload: 1 }))
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const gauge = async (masterUrl: string, name: string) => {
  const text = await (await fetch(`${masterUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('health and readiness of a master', () => {
  let master: TestMaster | undefined;
  let redis: ChildProcess | undefined;
  afterEach(async () => {
    await master?.close();
    if (redis) await stopRedis(redis);
    master = redis = undefined;
  });

  it('is live and ready on the embedded store, and counts open event streams in /metrics', async () => {
    master = await startTestMaster();
    expect(await probe(`${master.url}/livez`)).toEqual({ status: 200, body: { status: 'live' } });
    expect(await probe(`${master.url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await gauge(master.url, 'browser_grid_store_reachable')).toBe(1);
    expect(await gauge(master.url, 'browser_grid_event_streams_connected')).toBe(0);

    const board = new AbortController();
    const stream = await fetch(`${master.url}/api/events`, { signal: board.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(await gauge(master.url, 'browser_grid_event_streams_connected')).toBe(1);
    board.abort();
    const url = master.url;
    await until(async () => (await gauge(url, 'browser_grid_event_streams_connected')) === 0, 'the closed stream to be counted out');
  });

  it('turns unready with 503 store-unreachable while Redis is down, and ready again when it returns', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    master = await startTestMaster({ redisUrl: `redis://127.0.0.1:${port}/0`, redisPrefix: 'health-test:' });
    const url = master.url;
    expect((await probe(`${url}/readyz`)).status).toBe(200);

    await stopRedis(redis);
    await until(async () => (await probe(`${url}/readyz`)).status === 503, '/readyz to answer 503');
    expect(await probe(`${url}/readyz`)).toEqual({
      status: 503,
      body: { error: { code: 'store-unreachable', message: 'the job store is unreachable just now' } },
    });
    expect(await gauge(url, 'browser_grid_store_reachable')).toBe(0);
    // Liveness does not depend on the store: restarting the process would not bring Redis back.
    expect((await probe(`${url}/livez`)).status).toBe(200);

    redis = await startRedis(port);
    await until(async () => (await probe(`${url}/readyz`)).status === 200, '/readyz to answer 200 again');
    expect(await gauge(url, 'browser_grid_store_reachable')).toBe(1);
  });
});

describe('readiness reasons', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A data directory with its store, and a model directory with its model.json. */
  function fixture() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-health-'));
    const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-model-'));
    dirs.push(dataDir, modelDir);
    fs.writeFileSync(path.join(modelDir, 'model.json'), '{}');
    const store = new SqliteJobStore(dataDir, DEFAULT_TEST_LIMITS);
    const model = {
      dir: modelDir,
      files: new Set(['model.json']),
      checksummed: false,
      view: { name: 'm', hash: 'h', url: '/models/h/model.json', inputRange: [-1, 1], bytes: 2, imageSize: 224 },
    } satisfies ModelFiles;
    return { dataDir, modelDir, store, model };
  }

  it('turns unready with 503 storage-full while the data directory has less room than the largest upload request, and ready again when freed', async () => {
    const { dataDir, store, model } = fixture();
    let free = 1000;
    const asked: string[] = [];
    const freeBytes = async (dir: string) => {
      asked.push(dir);
      return free;
    };
    const { server, url } = await serve(healthRouter({ store, model, draining: () => false, disk: { dir: dataDir, minFreeBytes: 1000, freeBytes } }));
    try {
      expect((await probe(`${url}/readyz`)).status).toBe(200);
      free = 999;
      const full = await fetch(`${url}/readyz`);
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toBe('2');
      expect(await full.json()).toEqual({
        error: {
          code: 'storage-full',
          message: `${dataDir} has 999 bytes free, less than the largest upload request needs (MAX_UPLOAD_REQUEST_BYTES, 1000)`,
        },
      });
      expect((await probe(`${url}/livez`)).status).toBe(200);
      free = 5000;
      expect((await probe(`${url}/readyz`)).status).toBe(200);
      expect(new Set(asked)).toEqual(new Set([dataDir]));
    } finally {
      server.close();
      await store.close();
    }
  });

  it('reads the real free space of DATA_DIR: a master whose largest upload request would not fit is not ready', async () => {
    const huge = Number.MAX_SAFE_INTEGER;
    const master = await startTestMaster({ maxUploadRequestBytes: huge, maxUploadBytesInFlight: huge });
    try {
      expect(await probe(`${master.url}/readyz`)).toMatchObject({ status: 503, body: { error: { code: 'storage-full' } } });
    } finally {
      await master.close();
      dirs.push(master.dataDir);
    }
  });

  it('names draining and a model that is no longer readable', async () => {
    const { dataDir, modelDir, store, model } = fixture();
    let draining = false;
    const { server, url } = await serve(healthRouter({ store, model, draining: () => draining, disk: { dir: dataDir, minFreeBytes: 1 } }));
    try {
      expect((await probe(`${url}/readyz`)).status).toBe(200);
      fs.rmSync(path.join(modelDir, 'model.json'));
      expect(await probe(`${url}/readyz`)).toMatchObject({ status: 503, body: { error: { code: 'model-missing' } } });
      draining = true;
      expect(await probe(`${url}/readyz`)).toMatchObject({ status: 503, body: { error: { code: 'draining' } } });
      expect((await probe(`${url}/livez`)).status).toBe(200);
    } finally {
      server.close();
      await store.close();
    }
  });
});
