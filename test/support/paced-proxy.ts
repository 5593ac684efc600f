// An HTTP/1.1 proxy in front of a master whose answers to chosen paths arrive slowly: their headers at once, their
// bodies a piece at a time (a slow but steady link), or never past the first piece (a link lost without a close).
// Everything else, WebSocket upgrades included, passes as it comes. A browser opens at most six connections to it, as
// to any HTTP/1.1 host, so a page asking for more of the slow files at once has the rest wait for a free connection.
import http from 'node:http';
import net from 'node:net';

export type Pace =
  /** Each body in `pieces` pieces, one every `everyMs`. */
  | { kind: 'steady'; pieces: number; everyMs: number }
  /** The first of `pieces` pieces, then nothing, the connection left open. */
  | { kind: 'stalled'; pieces: number }
  /** As the master sends it. */
  | { kind: 'flowing' };

/** When each slow answer was asked for, began and ended, in ms since the proxy started. */
export interface PacedRequest {
  path: string;
  askedAt: number;
  endedAt: number | null;
}

export interface PacedProxy {
  url: string;
  /** How answers to slow paths arrive from now on (those begun before keep their pace). */
  pace: Pace;
  /** Every request for a slow path, in the order they came. */
  readonly requests: PacedRequest[];
  /** The most slow answers that were ever under way at once. */
  readonly mostAtOnce: number;
  /** Forgets the requests so far and the most at once. */
  forget(): void;
  close(): Promise<void>;
}

export async function pacedProxy(target: { host: string; port: number }, slow: (path: string) => boolean, pace: Pace): Promise<PacedProxy> {
  const started = Date.now();
  const sockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const requests: PacedRequest[] = [];
  let underWay = 0;
  let mostAtOnce = 0;
  const proxy = {
    url: '',
    pace,
    requests,
    get mostAtOnce() {
      return mostAtOnce;
    },
    forget: () => {
      requests.length = 0;
      mostAtOnce = underWay;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const later = (ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
  };

  /** Sends `body` at `pace`, then ends the answer (unless stalled). */
  const drip = (res: http.ServerResponse, body: Buffer, pace: Pace, record: PacedRequest) => {
    const finish = () => {
      record.endedAt = Date.now() - started;
      underWay--;
      res.end();
    };
    if (pace.kind === 'flowing') return void (res.write(body), finish());
    const size = Math.ceil(body.length / pace.pieces);
    const send = (offset: number) => {
      if (res.destroyed) return;
      res.write(body.subarray(offset, offset + size));
      if (offset + size >= body.length) return finish();
      if (pace.kind === 'steady') later(pace.everyMs, () => send(offset + size));
    };
    send(0);
  };

  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    // A connection of its own each time: one kept alive may be closed by the master just as it is reused.
    const upstream = http.request({ ...target, method: req.method, path, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!slow(path)) return void answer.pipe(res);
      const record: PacedRequest = { path, askedAt: Date.now() - started, endedAt: null };
      requests.push(record);
      mostAtOnce = Math.max(mostAtOnce, ++underWay);
      res.on('close', () => void (record.endedAt === null && underWay--));
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => drip(res, Buffer.concat(chunks), proxy.pace, record));
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // WebSockets (the worker's connection to its master) pass through untouched.
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const upstream = net.connect(target, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    sockets.add(upstream);
    upstream.on('close', () => (sockets.delete(upstream), client.destroy())).on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy()).on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}
