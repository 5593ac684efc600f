// An event stream never ends, so an answer queued behind it on the same connection (HTTP/1.1 pipelining) would never
// be sent, and what it holds (an upload's slot, an image's bytes, an event stream's place) would never be given back,
// stall rules or not: such a connection is closed at once, and every hold its queued answers took comes back. Against
// a real master over real sockets; a board with its one stream on a connection of its own is untouched.
import type net from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { holdCalls } from '../../test/support/held-calls.ts';
import { until } from '../../test/support/jobs-client.ts';
import { request, useRawHttp } from '../../test/support/raw-http.ts';
import type { TestMaster } from '../../test/support/test-master.ts';

const { start, connect } = useRawHttp();

const STREAM = 'GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n';

async function smallJpeg(): Promise<Buffer> {
  const side = 64;
  return sharp(Buffer.alloc(side * side * 3, 7), { raw: { width: side, height: side, channels: 3 } })
    .jpeg()
    .toBuffer();
}

function multipartOf(jpeg: Buffer): { body: Buffer; contentType: string } {
  const boundary = 'test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    jpeg,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

const uploadRequest = ({ body, contentType }: { body: Buffer; contentType: string }) =>
  Buffer.concat([Buffer.from(`POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`), body]);

/** Sends `bytes` on a new connection from `from` that reads everything it is sent; resolves once the master closes it. */
async function closedAfter(master: TestMaster, from: string, bytes: Buffer | string): Promise<void> {
  const socket: net.Socket = await connect(master, from);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.on('data', () => {});
  socket.write(bytes);
  await closed;
}

const streamsConnected = async (master: TestMaster) =>
  Number(/^browser_grid_event_streams_connected (\d+)$/m.exec((await request(master, { path: '/metrics' })).body)![1]);

describe('an event stream pipelined behind an answer still being made', () => {
  it('closes the connection at once: a stream there would switch off the stall rule for the answer before it', async () => {
    const master = await start({});
    // The job lookup answers only once the test lets it: the answer before the stream is unfinished when it comes.
    const looking = holdCalls(master.store, 'get');
    await closedAfter(master, '127.0.0.6', 'GET /api/jobs/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: x\r\n\r\n' + STREAM);
    looking.release();
    expect(await streamsConnected(master)).toBe(0);
  });
});

describe('a request pipelined behind a live event stream', () => {
  it('closes the connection at once, however many are sent', async () => {
    const master = await start({ maxPipelinedRequests: 8 });
    await closedAfter(master, '127.0.0.2', STREAM + 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20_000));
    await closedAfter(master, '127.0.0.2', STREAM + 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await streamsConnected(master)).toBe(0);
  });

  it('gives back the upload slot its upload took', async () => {
    const jpeg = await smallJpeg();
    const upload = multipartOf(jpeg);
    const master = await start({ maxUploadsPerAddress: 1 });
    await closedAfter(master, '127.0.0.3', Buffer.concat([Buffer.from(STREAM), uploadRequest(upload)]));
    const again = await request(master, {
      method: 'POST',
      path: '/api/jobs',
      body: upload.body,
      from: '127.0.0.3',
      headers: { 'Content-Type': upload.contentType },
    });
    expect(again.status, again.body).toBe(201);
  });

  it("gives back an image's bytes", async () => {
    const jpeg = await smallJpeg();
    const upload = multipartOf(jpeg);
    const master = await start({ maxUploadBytes: jpeg.length, maxImageBytesPerAddress: jpeg.length });
    const created = await request(master, { method: 'POST', path: '/api/jobs', body: upload.body, headers: { 'Content-Type': upload.contentType } });
    const id = (JSON.parse(created.body) as { jobs: { id: string }[] }).jobs[0]!.id;
    await closedAfter(master, '127.0.0.4', STREAM + `GET /api/jobs/${id}/image HTTP/1.1\r\nHost: x\r\n\r\n`);
    // Given back once the image's read, which nothing stops, has ended too.
    await until(async () => (await request(master, { path: `/api/jobs/${id}/image`, from: '127.0.0.4' })).status === 200, "the image's bytes back");
  });

  it("gives back the event streams' places, streams sent behind it included", async () => {
    const master = await start({ maxEventStreamsPerAddress: 8 });
    await closedAfter(master, '127.0.0.5', STREAM.repeat(8));
    await until(async () => (await streamsConnected(master)) === 0, 'no stream left');
    // A board's stream on a connection of its own is served, and the address has all its places.
    const streams = await Promise.all(Array.from({ length: 8 }, () => connect(master, '127.0.0.5')));
    for (const socket of streams) socket.write(STREAM);
    await until(async () => (await streamsConnected(master)) === 8, 'eight boards streaming');
  });
});
