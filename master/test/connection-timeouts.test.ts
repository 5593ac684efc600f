// HTTP timeouts against a real master over real sockets: a connection whose headers (HEADERS_TIMEOUT_MS) or
// whole request (REQUEST_TIMEOUT_MS) come too late, that idles (KEEP_ALIVE_TIMEOUT_MS) or that stops reading
// its answers (STALLED_CONNECTION_MS) is closed, and gives its place back.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { multipart, received, request, useRawHttp } from '../../test/support/raw-http.ts';

const { start, connect } = useRawHttp();

describe('connection limits', () => {
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
});
