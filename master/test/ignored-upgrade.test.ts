// A request that offers an upgrade other than a worker's WebSocket (curl --http2 sends "Upgrade: h2c" on every request
// to an http:// URL) is served as plain HTTP/1.1 by a real master over raw sockets: its body, the connection kept
// alive after it, and the connection counted once toward MAX_CONNECTIONS_PER_ADDRESS.
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const masters: TestMaster[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const master of masters.splice(0)) await master.close();
});

async function start(overrides: Record<string, unknown> = {}): Promise<TestMaster> {
  const master = await startTestMaster(overrides);
  masters.push(master);
  return master;
}

/** What curl --http2 adds to a request to an http:// URL. */
const H2C_OFFER = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n';

interface Response {
  status: number;
  headers: string;
  body: string;
}

/** A raw connection whose responses are read one at a time (each has a Content-Length). */
async function connect(master: TestMaster): Promise<{ socket: net.Socket; next: () => Promise<Response> }> {
  const socket = net.connect({ host: '127.0.0.1', port: master.port });
  sockets.push(socket);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffered = Buffer.alloc(0);
  let wake = () => {};
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake();
  });
  const next = async (): Promise<Response> => {
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length >= end + 4 + length) {
          const body = buffered.subarray(end + 4, end + 4 + length).toString();
          buffered = buffered.subarray(end + 4 + length);
          return { status: Number(head.split(' ')[1]), headers: head, body };
        }
      }
      if (socket.destroyed) throw new Error(`the master closed the connection; received: ${buffered.toString('latin1')}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        socket.once('close', resolve);
      });
    }
  };
  return { socket, next };
}

function upload(): Buffer {
  const image = devImages(1)[0]!;
  const boundary = 'h2c-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${image.file}"\r\nContent-Type: image/jpeg\r\n\r\n`),
    fs.readFileSync(image.path),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const head = `POST /api/jobs HTTP/1.1\r\nHost: x\r\n${H2C_OFFER}Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

describe('a request offering an upgrade to HTTP/2 (h2c)', () => {
  it('is served as HTTP/1.1, an upload with its body too, and its connection stays open for the next request', async () => {
    const master = await start();
    const { socket, next } = await connect(master);
    socket.write(`GET /api/health HTTP/1.1\r\nHost: x\r\n${H2C_OFFER}\r\n`);
    const health = await next();
    expect(health.status).toBe(200);
    expect(health.headers).not.toMatch(/\r\nupgrade:/i);

    socket.write(upload());
    const created = await next();
    expect(created.status, created.body).toBe(201);
    const id = (JSON.parse(created.body) as { jobs: { id: string }[] }).jobs[0]!.id;

    socket.write(`GET /api/jobs/${id} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const job = await next();
    expect(job.status).toBe(200);
    expect(JSON.parse(job.body)).toMatchObject({ id });
  });

  it('is answered in turn when pipelined behind a request still being answered, its upload stored once', async () => {
    const master = await start();
    const { socket, next } = await connect(master);
    // One write: Node meets the offer while the first answer is still pending.
    socket.write(Buffer.concat([Buffer.from('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n'), upload()]));
    const health = await next();
    expect(health.status, health.body).toBe(200);
    const created = await next();
    expect(created.status, created.body).toBe(201);
    const id = (JSON.parse(created.body) as { jobs: { id: string }[] }).jobs[0]!.id;

    socket.write('GET /api/jobs HTTP/1.1\r\nHost: x\r\n\r\n');
    const listed = await next();
    expect(listed.status).toBe(200);
    const jobs = (JSON.parse(listed.body) as { jobs: { id: string }[] }).jobs;
    expect(jobs.map((job) => job.id)).toEqual([id]);
  });

  it('leaves its connection counted once toward MAX_CONNECTIONS_PER_ADDRESS', async () => {
    const master = await start({ maxConnectionsPerAddress: 2 });
    for (let i = 0; i < 2; i++) {
      const { socket, next } = await connect(master);
      socket.write(`GET /livez HTTP/1.1\r\nHost: x\r\n${H2C_OFFER}\r\n`);
      expect((await next()).status).toBe(200);
    }
    const third = await connect(master);
    third.socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    const refused = await third.next();
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('too-many-connections-from-address');
  });
});
