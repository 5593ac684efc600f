// Upload limits against a real master over real sockets: an upload too slow (MIN_BODY_BYTES_PER_SECOND), too
// large (MAX_UPLOAD_REQUEST_BYTES) or without a length is refused, and past MAX_UPLOADS_PER_ADDRESS (429),
// MAX_UPLOADS_IN_FLIGHT or MAX_UPLOAD_BYTES_IN_FLIGHT (503) one waits its turn; nothing is stored.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { type Answer, errorCode, multipart, received, request, useRawHttp } from '../../test/support/raw-http.ts';

const { start, connect, sockets } = useRawHttp();

describe('connection limits', () => {
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
    const master = await start({ maxUploadBytes: 1_000, maxUploadRequestBytes: 1_000 });
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

  it.each([
    ['an upload refused from its headers', '/api/jobs', 413, 'request-too-large'],
    ['a request to no route, which reads no body', '/api/nowhere', 404, 'not-found'],
  ])('close the connection after answering %s, reading no more of the body the client goes on sending', async (_case, path, status, code) => {
    const master = await start({ maxUploadBytes: 1_000, maxUploadRequestBytes: 1_000 });
    const socket = await connect(master);
    const answer = received(socket);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000000000\r\n\r\n`);
    // A client that sends on regardless: read to the end and thrown away, its 10 GB would hold the connection for as long.
    const chunk = Buffer.alloc(64 * 1024);
    const pour = setInterval(() => socket.writable && socket.write(chunk), 5);
    let closed = false;
    void answer.then(() => (closed = true));
    await until(() => closed, 'the master to close the connection after its answer', 5_000).finally(() => clearInterval(pour));
    const text = await answer;
    expect(text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text).toContain(`"code":"${code}"`);
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
    const master = await start({ maxUploadBytes: 15_000, maxUploadBytesInFlight: 15_000, maxUploadRequestBytes: 15_000 });
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
