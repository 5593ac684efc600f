// Security headers on every kind of answer, and the Origin check on state-changing
// requests and the worker socket, against a real master (both stores where jobs are stored).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { devImages } from '../../test/support/paths.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import { WORKER_SOCKET_PATH } from '../protocol.ts';

const STORES = [
  { name: 'sqlite', overrides: () => ({}) },
  { name: 'redis', overrides: () => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];

const jpeg = fs.readFileSync(devImages(1)[0]!.path);
const STRANGER = 'http://evil.example';

let master: TestMaster;
afterEach(async () => {
  await master?.close();
  if (master?.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
});

function directives(response: Response): Map<string, string> {
  const policy = response.headers.get('content-security-policy') ?? '';
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values.join(' ')]),
  );
}

describe('security headers', () => {
  it.each(['/', '/worker', '/api/health', '/api/jobs', '/api/nothing-here'])(
    '%s: a strict CSP, no framing, no referrer, nosniff, cross-origin isolation',
    async (path) => {
      master = await startTestMaster();
      const response = await fetch(`${master.url}${path}`);
      const csp = directives(response);
      expect(csp.get('default-src')).toBe("'self'");
      expect(csp.get('script-src')).toBe("'self' 'wasm-unsafe-eval' blob:");
      expect(csp.get('style-src')).toBe("'self'");
      expect(csp.get('frame-ancestors')).toBe("'none'");
      expect(csp.get('object-src')).toBe("'none'");
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(response.headers.get('strict-transport-security')).toBeNull();
    },
  );

  it.each(['/api/docs', '/api/docs/'])('%s allows the inline styles Swagger UI sets, and nothing else more', async (path) => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}${path}`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = directives(response);
    expect(csp.get('style-src')).toBe("'self' 'unsafe-inline'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
  });
});

describe.each(STORES)('Origin on $name', ({ overrides }) => {
  async function submit(headers: Record<string, string>) {
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(jpeg)]), 'cat.jpg');
    return fetch(`${master.url}/api/jobs`, { method: 'POST', body: data, headers });
  }
  const storedJobs = async () => Object.values(await master.store.counts()).reduce((sum, count) => sum + count, 0);

  it('refuses a submission from another site’s page (403 origin-not-allowed) and stores nothing', async () => {
    master = await startTestMaster(overrides());
    const response = await submit({ Origin: STRANGER });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('origin-not-allowed');
    expect(await storedJobs()).toBe(0);
  });

  it('refuses a delete or a retry from another site’s page, and the job stays', async () => {
    master = await startTestMaster(overrides());
    const { jobs } = (await (await submit({})).json()) as { jobs: { id: string }[] };
    const id = jobs[0]!.id;
    for (const [method, path] of [
      ['DELETE', `/api/jobs/${id}`],
      ['POST', `/api/jobs/${id}/retry`],
      ['DELETE', '/api/jobs'],
    ]) {
      const response = await fetch(`${master.url}${path}`, { method, headers: { Origin: STRANGER } });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('origin-not-allowed');
    }
    expect(await storedJobs()).toBe(1);
  });

  it('accepts the master’s own pages, clients that send no Origin, and listed origins', async () => {
    master = await startTestMaster({ ...overrides(), allowedOrigins: 'https://grid.example.org,http://localhost:5173' });
    expect((await submit({ Origin: master.url })).status).toBe(201);
    expect((await submit({})).status).toBe(201);
    expect((await submit({ Origin: 'https://grid.example.org' })).status).toBe(201);
    expect((await submit({ Origin: 'http://localhost:5173' })).status).toBe(201);
    expect((await submit({ Origin: 'http://localhost:5174' })).status).toBe(403);
    expect(await storedJobs()).toBe(4);
  });

  it('leaves reads open to any origin', async () => {
    master = await startTestMaster(overrides());
    expect((await fetch(`${master.url}/api/jobs`, { headers: { Origin: STRANGER } })).status).toBe(200);
  });
});

describe('the worker socket and Origin', () => {
  /** The status the upgrade answered: 101 when the socket opened. */
  function upgrade(origin?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${master.url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`, origin ? { origin } : {});
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('error', reject);
    });
  }

  it('refuses an upgrade from another site’s page with 403, and accepts the master’s own, no Origin and listed ones', async () => {
    master = await startTestMaster({ allowedOrigins: 'https://grid.example.org' });
    expect(await upgrade(STRANGER)).toBe(403);
    expect(await upgrade('null')).toBe(403);
    expect(await upgrade(master.url)).toBe(101);
    expect(await upgrade()).toBe(101);
    expect(await upgrade('https://grid.example.org')).toBe(101);
  });
});
