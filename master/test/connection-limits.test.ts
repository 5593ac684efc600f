// Connection, upload and request-rate limits against a real master over real
// sockets: each cap answers 429 or 503 with Retry-After in plain words, stores
// nothing, and leaves other clients (another loopback address) and the probes
// answering. With Redis, the request rate is counted across masters.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { addLoopbackAddresses } from '../../test/support/loopback-ipv6.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import type { Config } from '../config.ts';

const masters: TestMaster[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const master of masters.splice(0)) await master.close();
});

async function start(overrides: Partial<Record<keyof Config, unknown>>): Promise<TestMaster> {
  const master = await startTestMaster(overrides);
  masters.push(master);
  return master;
}

/** The master's loopback address in the family of `from`. */
const masterHost = (from: string) => (net.isIPv6(from) ? '::1' : '127.0.0.1');

/** A raw connection from a loopback address of our choosing (Linux answers on all of 127/8; IPv6 ones are added). */
async function connect(master: TestMaster, from = '127.0.0.1'): Promise<net.Socket> {
  const socket = net.connect({ host: masterHost(from), port: master.port, localAddress: from });
  sockets.push(socket);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Everything the master sends on a socket until it closes it. */
function received(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => {});
    socket.once('close', () => resolve(text));
  });
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request from a chosen loopback address. */
function request(
  master: TestMaster,
  options: { method?: string; path: string; from?: string; body?: Buffer; headers?: Record<string, string> },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const from = options.from ?? '127.0.0.1';
    const req = http.request(
      {
        host: masterHost(from),
        port: master.port,
        method: options.method ?? 'GET',
        path: options.path,
        localAddress: from,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const errorCode = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

function multipart(bytes: number): { body: Buffer; headers: Record<string, string> } {
  const boundary = 'limits-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    Buffer.alloc(bytes, 1),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length) } };
}

describe('connection limits', () => {
  it('refuse a connection past MAX_CONNECTIONS_PER_ADDRESS with 429, while other addresses and the probes answer', async () => {
    const master = await start({ maxConnectionsPerAddress: 3 });
    for (let i = 0; i < 3; i++) await connect(master);
    const refused = await received(await connect(master));
    expect(refused).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(refused).toContain('Retry-After: 5');
    expect(refused).toContain('"code":"too-many-connections-from-address"');
    expect((await request(master, { path: '/livez', from: '127.0.0.2' })).status).toBe(200);

    // A closed connection gives its place back.
    sockets[0]!.destroy();
    await until(async () => (await request(master, { path: '/livez' }).catch(() => null))?.status === 200, 'a free place for 127.0.0.1');
  });

  it('refuse a connection past MAX_CONNECTIONS with 503', async () => {
    const master = await start({ maxConnections: 3 });
    await connect(master, '127.0.0.2');
    await connect(master, '127.0.0.3');
    await connect(master, '127.0.0.4');
    const refused = await received(await connect(master, '127.0.0.5'));
    expect(refused).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused).toContain('"code":"too-many-connections"');
  });

  it('answer an upgrade whose request target is no URL with 400, and stay up', async () => {
    const master = await start({});
    for (const target of ['//[', '//a:99999']) {
      const socket = await connect(master);
      const answer = received(socket);
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      const refused = await answer;
      expect(refused).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(refused).toContain('"code":"bad-request-target"');
    }
    expect((await request(master, { path: '/livez' })).status).toBe(200);
  });

  it('give back the place of a refused upgrade, even to a client that keeps its half of the connection open', async () => {
    const master = await start({ maxConnectionsPerAddress: 2, keepAliveTimeoutMs: 200, headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const refusals = ['/not-the-worker-socket', '/ws/worker'].map(async (path) => {
      const socket = net.connect({ host: '127.0.0.1', port: master.port, allowHalfOpen: true });
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('error', () => {});
      socket.on('end', () => {}); // and never end our side
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nOrigin: http://elsewhere.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      await until(() => text.includes('\r\n\r\n{'), `the refusal of ${path}`);
      return text;
    });
    const [notFound, forbidden] = await Promise.all(refusals);
    expect(notFound).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*"code":"not-found"/);
    expect(forbidden).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*"code":"origin-not-allowed"/);
    // Both places are free again, well before any timeout would matter: a third connection is served.
    await until(async () => (await request(master, { path: '/livez' }).catch(() => null))?.status === 200, 'a free place for 127.0.0.1', 5_000);
  });

  it('close a connection whose headers do not arrive within HEADERS_TIMEOUT_MS', async () => {
    const master = await start({ headersTimeoutMs: 500 });
    const socket = await connect(master);
    const answer = received(socket);
    socket.write('GET /api/jobs HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
    expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('close a connection whose whole request does not arrive within REQUEST_TIMEOUT_MS, however steadily it trickles', async () => {
    const master = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1_500, minBodyBytesPerSecond: 1 });
    const socket = await connect(master);
    const answer = received(socket);
    const { body, headers } = multipart(100_000);
    socket.write(`POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: ${headers['Content-Type']}\r\nContent-Length: ${body.length}\r\n\r\n`);
    // 50 bytes every 100 ms: well above MIN_BODY_BYTES_PER_SECOND, far too slow to finish in 1.5 s.
    const trickle = setInterval(() => socket.writable && socket.write(body.subarray(0, 50)), 100);
    try {
      expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
    }
  });

  it('close an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const master = await start({ keepAliveTimeoutMs: 300 });
    const socket = await connect(master);
    const answer = received(socket);
    const sent = Date.now();
    socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
    // Node's default would keep it 5 s.
    expect(Date.now() - sent).toBeLessThan(3_000);
  });

  it('close a connection that stops reading its answers after STALLED_CONNECTION_MS, giving its place back', async () => {
    const master = await start({ stalledConnectionMs: 1_000, keepAliveTimeoutMs: 60_000, maxConnectionsPerAddress: 1 });
    const model = JSON.parse((await request(master, { path: '/api/model', from: '127.0.0.2' })).body) as { hash: string };
    const socket = await connect(master);
    socket.on('error', () => {});
    socket.pause(); // and never read
    // 20 pipelined 2 MB shards: 40 MB, far more than the sockets' buffers take, so the master's writes stall.
    socket.write(`GET /models/${model.hash}/group1-shard1of2.bin HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(20));
    // The one place 127.0.0.1 has is free again: the stalled connection was closed.
    await until(async () => (await request(master, { path: '/livez' }).catch(() => null))?.status === 200, 'a free place for 127.0.0.1', 10_000);
  });

  it('cut off an upload slower than MIN_BODY_BYTES_PER_SECOND with 408, storing nothing', async () => {
    const master = await start({ minBodyBytesPerSecond: 2_000, bodyRateWindowMs: 500 });
    const upload = multipart(50_000);
    // A raw socket that sends the headers and a trickle, and reads what the master answers before it hangs up.
    const socket = await connect(master);
    const answer = received(socket);
    socket.write(
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\n${Object.entries(upload.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );
    let offset = 0;
    const drip = setInterval(() => socket.writable && socket.write(upload.body.subarray(offset, (offset += 16))), 50);
    const text = await answer;
    clearInterval(drip);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('"code":"body-too-slow"');
    expect(await master.store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  });

  it('take at most MAX_UPLOADS_PER_ADDRESS uploads from one address (429) and MAX_UPLOADS_IN_FLIGHT in all (503)', async () => {
    const master = await start({ maxUploadsPerAddress: 1, maxUploadsInFlight: 2 });
    // Two uploads that stay in flight: the headers and half the body, then nothing.
    const holding: Promise<string>[] = [];
    for (const from of ['127.0.0.2', '127.0.0.3']) {
      const socket = await connect(master, from);
      holding.push(received(socket));
      const { body, headers } = multipart(10_000);
      socket.write(
        `POST /api/jobs HTTP/1.1\r\nHost: x\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n`,
      );
      socket.write(body.subarray(0, 5_000));
    }
    await until(
      async () => (await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.4', ...multipart(10) })).status === 503,
      'both slots to be taken',
    );
    const sameAddress = await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.2', ...multipart(10) });
    expect([sameAddress.status, errorCode(sameAddress), sameAddress.headers['retry-after']]).toEqual([429, 'too-many-uploads-from-address', '2']);
    const elsewhere = await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.4', ...multipart(10) });
    expect([elsewhere.status, errorCode(elsewhere), elsewhere.headers['retry-after']]).toEqual([503, 'too-many-uploads', '2']);
    expect(await master.store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });

    // When the held uploads go away, their slots are free again (the small upload is not an image: 415, not 429/503).
    for (const socket of sockets.splice(0)) socket.destroy();
    await until(
      async () => (await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.4', ...multipart(10) })).status === 415,
      'the slots to be free',
    );
  });
});

describe('upload sizes', () => {
  it('refuse an upload larger than MAX_UPLOAD_REQUEST_BYTES (413) or without Content-Length (411) before reading it', async () => {
    const master = await start({ maxUploadRequestBytes: 1_000 });
    const large = await request(master, { method: 'POST', path: '/api/jobs', ...multipart(2_000) });
    expect([large.status, errorCode(large)]).toEqual([413, 'request-too-large']);
    const { body, headers } = multipart(10);
    const chunked = await request(master, {
      method: 'POST',
      path: '/api/jobs',
      body,
      headers: { 'Content-Type': headers['Content-Type']!, 'Transfer-Encoding': 'chunked' },
    });
    expect([chunked.status, errorCode(chunked)]).toEqual([411, 'length-required']);
    expect(await master.store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  });

  it('at the default limits, refuse an upload larger than any the master takes with 413, never 503 on an idle master', async () => {
    const master = await start({});
    // Between 64 and 100 MiB: once past MAX_UPLOAD_REQUEST_BYTES's default, but never within MAX_UPLOAD_BYTES_IN_FLIGHT's.
    const bytes = 80 * 1024 * 1024;
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: master.port,
          method: 'POST',
          path: '/api/jobs',
          headers: { 'Content-Type': 'multipart/form-data; boundary=b', 'Content-Length': String(bytes) },
          agent: false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode!, headers: res.headers, body });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      // The headers alone: it is refused from its Content-Length before a byte of the body is read.
      req.flushHeaders();
    });
    expect([answer.status, errorCode(answer), answer.headers['retry-after']]).toEqual([413, 'request-too-large', undefined]);
    expect(await master.store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  });

  it('take no more than MAX_UPLOAD_BYTES_IN_FLIGHT at once (503), and take uploads again once it has room', async () => {
    const master = await start({ maxUploadBytesInFlight: 15_000, maxUploadRequestBytes: 15_000 });
    const socket = await connect(master, '127.0.0.2');
    const held = multipart(10_000);
    socket.write(
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\n${Object.entries(held.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );
    await until(
      async () => (await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.3', ...multipart(10_000) })).status === 503,
      'the bytes to be taken',
    );
    const refused = await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.3', ...multipart(10_000) });
    expect([refused.status, errorCode(refused)]).toEqual([503, 'too-many-uploads']);
    // A small one still fits beside the held one (not an image: 415, past the caps).
    expect((await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.3', ...multipart(100) })).status).toBe(415);
    socket.destroy();
    await until(
      async () => (await request(master, { method: 'POST', path: '/api/jobs', from: '127.0.0.3', ...multipart(10_000) })).status === 415,
      'room again',
    );
  });
});

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

describe('IPv6 clients', () => {
  // Two addresses of one /64 (one subscriber's block, whose last 64 bits a client picks freely) and one of another.
  const [first, sameBlock, otherBlock] = ['fd00:6701:0:1::1', 'fd00:6701:0:1::2', 'fd00:6701:0:2::1'];
  let removeAddresses: () => void;
  beforeAll(() => {
    removeAddresses = addLoopbackAddresses([first, sameBlock, otherBlock]);
  });
  afterAll(() => removeAddresses?.());

  it('count by their /64 toward MAX_CONNECTIONS_PER_ADDRESS', async () => {
    const master = await start({ host: '::', maxConnectionsPerAddress: 2 });
    await connect(master, first);
    await connect(master, sameBlock);
    const refused = await received(await connect(master, sameBlock));
    expect(refused).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(refused).toContain('"code":"too-many-connections-from-address"');
    expect((await request(master, { path: '/livez', from: otherBlock })).status).toBe(200);
  });

  it('count by their /64 toward MAX_UPLOADS_PER_ADDRESS', async () => {
    const master = await start({ host: '::', maxUploadsPerAddress: 1 });
    // An upload held in flight: its headers and half its body, then nothing.
    const socket = await connect(master, first);
    const held = multipart(10_000);
    socket.write(
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\n${Object.entries(held.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );
    socket.write(held.body.subarray(0, 5_000));
    await until(
      async () => (await request(master, { method: 'POST', path: '/api/jobs', from: sameBlock, ...multipart(10) })).status === 429,
      'the /64 to be at its upload cap',
    );
    // Elsewhere the small upload is read, and is not an image: 415.
    expect((await request(master, { method: 'POST', path: '/api/jobs', from: otherBlock, ...multipart(10) })).status).toBe(415);
  });

  it('count by their /64 toward API_REQUESTS_PER_WINDOW', async () => {
    const master = await start({ host: '::', apiRequestsPerWindow: 2, apiRateWindowMs: 60_000 });
    expect((await request(master, { path: '/api/jobs', from: first })).status).toBe(200);
    expect((await request(master, { path: '/api/jobs', from: sameBlock })).status).toBe(200);
    const refused = await request(master, { path: '/api/jobs', from: sameBlock });
    expect([refused.status, errorCode(refused)]).toEqual([429, 'too-many-requests']);
    expect((await request(master, { path: '/api/jobs', from: otherBlock })).status).toBe(200);
  });
});
