// A hold taken for a request whose client left while the request waited (on the store, say) is never taken, so it
// cannot leak: through a real HTTP server, an upload slot, an event stream's place and image bytes asked for after
// the client hung up. Image bytes whose client left during their read stay taken until the read ends, and none is written.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { BoardStreams } from '../events/board-streams.ts';
import { LiveEvents } from '../events/live-events.ts';
import { HttpError } from '../http/errors.ts';
import { eventsRouter } from '../http/events-router.ts';
import { holdWhile } from '../http/hold-until-closed.ts';
import { ImageSends } from '../http/image-sends.ts';
import { Requesters } from '../http/requester.ts';
import { uploadSlots } from '../http/upload-slots.ts';
import { OwnerKeys } from '../identity/owner-keys.ts';
import { until } from '../../test/support/jobs-client.ts';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves `app` on a free port of 127.0.0.1. */
async function serve(app: express.Express): Promise<string> {
  server = http.createServer(app);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** Waits, as a request waiting on the store would, until its client has hung up. */
const untilClientLeft: express.RequestHandler = (_req, res, next) => {
  if (res.closed) return next();
  res.once('close', () => next());
};

/** A request whose client hangs up once its headers are in. */
function hangUp(url: string, method: string): Promise<void> {
  return new Promise((resolve) => {
    const request = http.request(url, { method, headers: { 'Content-Length': '10' } });
    request.on('error', () => resolve());
    request.on('close', () => resolve());
    request.flushHeaders();
    setTimeout(() => request.destroy(), 50);
  });
}

describe('a hold asked for after the client left', () => {
  it('takes no upload slot: the next upload still gets the only one', async () => {
    const app = express();
    const slots = uploadSlots({ maxUploadsInFlight: 1, maxUploadsPerAddress: 1, maxUploadRequestBytes: 1000, maxUploadBytesInFlight: 1000 });
    app.post('/gone', untilClientLeft, slots, (_req, res) => void res.end());
    app.post('/upload', slots, (_req, res) => void res.status(201).end());
    app.use(((error: HttpError, _req, res, _next) => void res.status(error.status).json({ error: { code: error.code } })) as express.ErrorRequestHandler);
    const url = await serve(app);
    for (let i = 0; i < 3; i++) await hangUp(`${url}/gone`, 'POST');
    const response = await fetch(`${url}/upload`, { method: 'POST', body: 'ten bytes!' });
    expect(response.status).toBe(201);
  });

  it("takes no event stream's place: the next board still gets the only one", async () => {
    const boards = new BoardStreams(
      new LiveEvents(),
      { maxClients: 1, stallMs: 10_000, replayEvents: 10, replayBytes: 1 << 20, reconnectMs: 5_000, keepaliveMs: 15_000 },
      () => 0,
    );
    const app = express();
    const events = eventsRouter(boards, new Requesters({}, new OwnerKeys('s'.repeat(32))), 'public', 10);
    app.use('/gone', untilClientLeft, events);
    app.use('/events', events);
    app.use(((error: HttpError, _req, res, _next) => void res.status(error.status).json({ error: { code: error.code } })) as express.ErrorRequestHandler);
    const url = await serve(app);
    try {
      for (let i = 0; i < 3; i++) await hangUp(`${url}/gone`, 'GET');
      const controller = new AbortController();
      const response = await fetch(`${url}/events`, { signal: controller.signal });
      expect(response.status).toBe(200);
      controller.abort();
    } finally {
      boards.close();
    }
  });

  it('takes no image bytes', async () => {
    const sends = new ImageSends({ maxImageBytesInFlight: 1000, maxImageBytesPerAddress: 1000, imageSendStallMs: 10_000 });
    const app = express();
    let taken = -1;
    app.get('/gone', untilClientLeft, (_req, res) => {
      sends.reserve(res, 800, '127.0.0.1').send(new Uint8Array(800));
      taken = sends.bytesInFlight;
    });
    const url = await serve(app);
    await hangUp(`${url}/gone`, 'GET');
    await expect.poll(() => taken).toBe(0);
  });

  it('takes image bytes until the read its client left during has ended, and writes none of them', async () => {
    const sends = new ImageSends({ maxImageBytesInFlight: 1000, maxImageBytesPerAddress: 1000, imageSendStallMs: 10_000 });
    let endRead: (bytes: Uint8Array) => void = () => {};
    let reading = false;
    const written: unknown[] = [];
    const app = express();
    app.get('/read', async (_req, res) => {
      const sending = sends.reserve(res, 800, '127.0.0.1');
      const write = res.write.bind(res);
      res.write = ((chunk: unknown, ...rest: never[]) => (written.push(chunk), write(chunk as Buffer, ...rest))) as typeof res.write;
      reading = true;
      sending.send(await holdWhile(res, new Promise<Uint8Array>((resolve) => (endRead = resolve))));
    });
    const url = await serve(app);
    const request = http.get(`${url}/read`);
    request.on('error', () => {});
    await until(() => reading, 'the image being read');
    request.destroy();
    // The client is gone, the read goes on: its 800 bytes are still taken.
    await until(async () => (await new Promise<number>((resolve) => server!.getConnections((_e, n) => resolve(n)))) === 0, 'the hang-up seen');
    expect(sends.bytesInFlight).toBe(800);
    endRead(new Uint8Array(800));
    await expect.poll(() => sends.bytesInFlight).toBe(0);
    expect(written).toEqual([]);
  });
});
