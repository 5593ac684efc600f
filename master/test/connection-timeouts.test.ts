// HTTP timeouts against a real master over real sockets: a connection whose headers (HEADERS_TIMEOUT_MS) or
// whole request (REQUEST_TIMEOUT_MS) come too late, that idles (KEEP_ALIVE_TIMEOUT_MS) or that stops reading
// its answers (STALLED_CONNECTION_MS) is closed, and gives its place back; one the master itself is slow to
// answer is not. What Node's parser refuses before any request exists (late headers or requests, headers past
// MAX_HEADER_BYTES, malformed HTTP), and what Node's server would refuse on its own (no Host, an unmet Expect, CONNECT), is
// answered in the API's JSON error shape, not bare.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { multipart, received, request, useRawHttp } from '../../test/support/raw-http.ts';
import { SLOW_PREPARE_MS, SlowPreparer } from '../../test/support/slow-preparer.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const { start, connect } = useRawHttp();

/** A master with the slow preparer, closed after `test`. */
async function withSlowMaster(overrides: Parameters<typeof startTestMaster>[0], test: (master: TestMaster) => Promise<void>) {
  const master = await startTestMaster(overrides, { preparer: new SlowPreparer() });
  try {
    await test(master);
  } finally {
    await master.close();
  }
}

/** A raw answer, taken apart: its status, its headers (lower-cased names) and the `error.code` of its JSON body. */
function parsed(raw: string): { status: number; headers: Record<string, string>; code: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const { error } = JSON.parse(body) as { error: { code: string; message: string } };
  expect(error.message).toEqual(expect.any(String));
  return { status: Number(statusLine.split(' ')[1]), headers, code: error.code };
}

/** A multipart upload of one dev image. */
function oneImageUpload(): { body: Buffer; contentType: string } {
  const boundary = 'stall-test-boundary';
  const [image] = devImages(1);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${image!.file}"\r\nContent-Type: image/jpeg\r\n\r\n`),
    fs.readFileSync(image!.path),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('connection limits', () => {
  it('close a connection whose headers do not arrive within HEADERS_TIMEOUT_MS', async () => {
    const master = await start({ headersTimeoutMs: 500 });
    const socket = await connect(master);
    const answer = received(socket);
    socket.write('GET /api/jobs HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
    const { status, headers, code } = parsed(await answer);
    expect(status).toBe(408);
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(headers.connection).toBe('close');
    expect(code).toBe('request-timeout');
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
      const { status, headers, code } = parsed(await answer);
      expect(status).toBe(408);
      expect(headers['content-type']).toMatch(/^application\/json/);
      expect(code).toBe('request-timeout');
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
    // More pipelined requests than MAX_PIPELINED_REQUESTS's default, which would close the connection at once.
    const master = await start({ stalledConnectionMs: 1_000, keepAliveTimeoutMs: 60_000, maxConnectionsPerAddress: 1, maxPipelinedRequests: 32 });
    const model = JSON.parse((await request(master, { path: '/api/model', from: '127.0.0.2' })).body) as { hash: string };
    const socket = await connect(master);
    socket.on('error', () => {});
    socket.pause(); // and never read
    // 20 pipelined 2 MB shards: 40 MB, far more than the sockets' buffers take, so the master's writes stall.
    socket.write(`GET /models/${model.hash}/group1-shard1of2.bin HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(20));
    // The one place 127.0.0.1 has is free again: the stalled connection was closed.
    await until(async () => (await request(master, { path: '/livez' }).catch(() => null))?.status === 200, 'a free place for 127.0.0.1', 10_000);
  });

  it('close a connection whose request stops arriving midway after STALLED_CONNECTION_MS', async () => {
    const master = await start({ stalledConnectionMs: 500, requestTimeoutMs: 60_000, bodyRateWindowMs: 60_000 });
    const socket = await connect(master);
    const answer = received(socket);
    const { body, contentType } = oneImageUpload();
    const sent = Date.now();
    socket.write(`POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, body.length / 2)); // and never the rest
    await answer;
    expect(Date.now() - sent).toBeLessThan(5_000);
  });

  it('keep a connection open past STALLED_CONNECTION_MS while the master is still working on its complete request', async () => {
    await withSlowMaster({ stalledConnectionMs: 500 }, async (master) => {
      const { body, contentType } = oneImageUpload();
      const answer = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: new Uint8Array(body), headers: { 'Content-Type': contentType } });
      expect(answer.status).toBe(201);
      expect(((await answer.json()) as { jobs: unknown[] }).jobs).toHaveLength(1);
    });
  });

  it('still close a connection that stops reading the answers the master sends after thinking past STALLED_CONNECTION_MS', async () => {
    await withSlowMaster({ stalledConnectionMs: 500, keepAliveTimeoutMs: 60_000, maxConnectionsPerAddress: 1, maxPipelinedRequests: 32 }, async (master) => {
      const model = JSON.parse((await request(master, { path: '/api/model', from: '127.0.0.2' })).body) as { hash: string };
      const { body, contentType } = oneImageUpload();
      const socket = await connect(master);
      socket.on('error', () => {});
      socket.pause(); // and never read
      const sent = Date.now();
      // An upload the master checks for SLOW_PREPARE_MS, then 40 MB of pipelined shards queued behind its answer.
      socket.write(`POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
      socket.write(`GET /models/${model.hash}/group1-shard1of2.bin HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(20));
      await until(async () => (await request(master, { path: '/livez' }).catch(() => null))?.status === 200, 'a free place for 127.0.0.1', 10_000);
      // Not while the master was thinking: only once its answers stalled.
      expect(Date.now() - sent).toBeGreaterThan(SLOW_PREPARE_MS);
    });
  });
});

describe('requests the HTTP parser refuses', () => {
  /** What the master answers to `raw` sent on a fresh connection, all of it. */
  async function answerTo(master: TestMaster, raw: string): Promise<string> {
    const socket = await connect(master);
    const answer = received(socket);
    socket.write(raw);
    return answer;
  }

  /** Refused in the API's shape: JSON, the connection closed. */
  function expectRefusal(raw: string, status: number, code: string): void {
    const answer = parsed(raw);
    expect(answer).toMatchObject({ status, code });
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers.connection).toBe('close');
  }

  it('answer headers larger than MAX_HEADER_BYTES with 431 headers-too-large in JSON, and close the connection', async () => {
    const master = await start({ maxHeaderBytes: 4_096 });
    // Within the bound: served.
    expect((await request(master, { path: '/livez', headers: { 'X-Padding': 'a'.repeat(3_000) } })).status).toBe(200);
    expectRefusal(await answerTo(master, `GET /api/jobs HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(5_000)}\r\n\r\n`), 431, 'headers-too-large');
  });

  it('hold headers to 16 KiB by default: a 20 KB header gets 431 headers-too-large', async () => {
    const master = await start({});
    expectRefusal(await answerTo(master, `GET /api/jobs HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'headers-too-large');
  });

  it('answer a malformed header line or request line with 400 bad-request in JSON', async () => {
    const master = await start({});
    for (const malformed of ['GET /api/jobs HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', 'HELLO THERE\r\n\r\n'])
      expectRefusal(await answerTo(master, malformed), 400, 'bad-request');
  });

  it('answer an HTTP/1.1 request without Host with 400 host-required, and an Expect it cannot meet with 417, in JSON', async () => {
    const master = await start({});
    expectRefusal(await answerTo(master, 'GET /livez HTTP/1.1\r\n\r\n'), 400, 'host-required');
    expectRefusal(await answerTo(master, 'GET /livez HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n'), 417, 'expectation-failed');
    // HTTP/1.0 has no Host to require; 100-continue is met.
    expect(await answerTo(master, 'GET /livez HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    const continued = await answerTo(master, 'GET /livez HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    expect(continued).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });

  it('answer a CONNECT (a proxy tunnel, which the master is not) with 405 method-not-allowed in JSON', async () => {
    const master = await start({});
    // Before, Node closed the socket without a word: an empty answer.
    const raw = await answerTo(master, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expectRefusal(raw, 405, 'method-not-allowed');
    expect(parsed(raw).headers.allow).toBe('GET, HEAD, POST, DELETE, OPTIONS');
    expect((await request(master, { path: '/livez' })).status).toBe(200);
  });

  it('answer a malformed request pipelined behind a good one after the good one’s answer', async () => {
    const master = await start({});
    const raw = await answerTo(master, 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\nHELLO THERE\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expectRefusal(raw.slice(raw.indexOf('HTTP/1.1 ', 1)), 400, 'bad-request');
  });
});
