// The request rate against a real master: past API_REQUESTS_PER_WINDOW in API_RATE_WINDOW_MS one address is
// answered 429 with Retry-After while the probes and other addresses go on, at most MAX_COUNTED_ADDRESSES are
// counted apart, worker sockets opened count against the same allowance, and with Redis the allowance is counted across
// masters.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WORKER_SOCKET_PATH } from '../protocol.ts';
import { errorCode, request, useRawHttp } from '../../test/support/raw-http.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';

const { start } = useRawHttp();

/** Opens a worker socket from `from` and closes it: 101 once open, else the status and error code it was refused with. */
function openWorkerSocket(port: number, from: string): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${WORKER_SOCKET_PATH}`, { localAddress: from });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.once('unexpected-response', (_request, response: http.IncomingMessage) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, code: (JSON.parse(body) as { error: { code: string } }).error.code }));
    });
    socket.once('error', reject);
  });
}

describe('request rate', () => {
  it('answers 429 with Retry-After past API_REQUESTS_PER_WINDOW from one address; probes, metrics and other addresses go on', async () => {
    const master = await start({ apiRequestsPerWindow: 5, apiRateWindowMs: 60_000 });
    for (let i = 0; i < 5; i++) expect((await request(master, { path: '/api/jobs' })).status).toBe(200);
    const refused = await request(master, { path: '/api/jobs' });
    expect(refused.status).toBe(429);
    expect(errorCode(refused)).toBe('too-many-requests');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(master, { path: '/livez' })).status).toBe(200);
    expect((await request(master, { path: '/readyz' })).status).toBe(200);
    expect((await request(master, { path: '/metrics' })).status).toBe(200);
    expect((await request(master, { path: '/api/jobs', from: '127.0.0.2' })).status).toBe(200);
  });

  it('counts each worker socket opened as a request: a reconnect loop is refused 429 past the allowance, as the API is', async () => {
    const master = await start({ apiRequestsPerWindow: 3, apiRateWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(await openWorkerSocket(master.port, '127.0.0.7')).toEqual({ status: 101 });
    expect(await openWorkerSocket(master.port, '127.0.0.7')).toEqual({ status: 429, code: 'too-many-requests' });
    expect((await request(master, { path: '/api/jobs', from: '127.0.0.7' })).status).toBe(429);
    expect(await openWorkerSocket(master.port, '127.0.0.8')).toEqual({ status: 101 });
  });

  it('counts /metrics on a private board, where it takes the admin token: no place to guess the token without limit', async () => {
    const master = await start({ apiRequestsPerWindow: 5, apiRateWindowMs: 60_000, board: 'private', adminToken: 'the-admin-token-of-this-test' });
    const guess = { authorization: 'Bearer a-wrong-guess-at-the-token' };
    for (let i = 0; i < 5; i++) expect((await request(master, { path: '/metrics', headers: guess })).status).toBe(401);
    expect((await request(master, { path: '/metrics', headers: guess })).status).toBe(429);
  });

  it('counts at most MAX_COUNTED_ADDRESSES addresses apart: the addresses past it share one allowance, the earlier keep theirs', async () => {
    const master = await start({ apiRequestsPerWindow: 2, apiRateWindowMs: 60_000, maxCountedAddresses: 2 });
    for (const from of ['127.0.0.2', '127.0.0.3']) expect((await request(master, { path: '/api/jobs', from })).status).toBe(200);
    const past = [];
    for (const from of ['127.0.0.4', '127.0.0.5', '127.0.0.6']) past.push((await request(master, { path: '/api/jobs', from })).status);
    expect(past).toEqual([200, 200, 429]);
    expect((await request(master, { path: '/api/jobs', from: '127.0.0.2' })).status).toBe(200);
  });

  it('gives each address its API_REQUESTS_PER_WINDOW again once the API_RATE_WINDOW_MS it counted over has passed', async () => {
    const master = await start({ apiRequestsPerWindow: 2, apiRateWindowMs: 1_000 });
    for (let i = 0; i < 2; i++) expect((await request(master, { path: '/api/jobs' })).status).toBe(200);
    const refused = await request(master, { path: '/api/jobs' });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await request(master, { path: '/api/jobs' })).status).toBe(200);
  });

  it.each([
    ['sqlite', {}],
    ['redis', { redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }],
  ])('counts GET /api/health, which reads the store, toward API_REQUESTS_PER_WINDOW (%s)', async (_store, store) => {
    const master = await start({ ...store, apiRequestsPerWindow: 3, apiRateWindowMs: 60_000 });
    try {
      for (let i = 0; i < 3; i++) expect((await request(master, { path: '/api/health' })).status).toBe(200);
      const refused = await request(master, { path: '/api/health' });
      expect([refused.status, errorCode(refused)]).toEqual([429, 'too-many-requests']);
      expect((await request(master, { path: '/livez' })).status).toBe(200);
    } finally {
      if (master.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
    }
  });

  it('counts one allowance across masters sharing Redis', async () => {
    const shared = { redisUrl: TEST_REDIS_URL, redisPrefix: `rate-test-${process.pid}-${Date.now()}:`, apiRequestsPerWindow: 5, apiRateWindowMs: 60_000 };
    const [a, b] = [await start(shared), await start(shared)];
    const statuses = [];
    for (const master of [a, b, a, b, a, b]) statuses.push((await request(master!, { path: '/api/jobs', from: '127.0.0.9' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
