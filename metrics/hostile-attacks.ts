// The attacks of bench:hostile (issue 10), each run for a bounded time from the attacker's loopback
// address, counting how the master answered it; everything an attack opens is closed when it ends.
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, WORKER_SOCKET_PATH, type HelloMessage } from '../master/protocol.ts';
import { multipartHead } from './hostile-master.ts';

/** Where attacks come from; the probe, the client and the legitimate worker use other loopback addresses. */
const ATTACKER = '127.0.0.1';

/** What the attacker was answered: status codes, closes and errors, counted. */
export class Answers {
  readonly counts = new Map<string, number>();
  add(what: string | number): void {
    const key = String(what);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  toString(): string {
    return (
      [...this.counts]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}×${n}`)
        .join(' ') || '-'
    );
  }
}

/** Everything an attack opened, destroyed when it ends (or on Ctrl-C). */
const open = new Set<{ destroy(): void }>();
function track<T extends { destroy(): void }>(thing: T): T {
  open.add(thing);
  return thing;
}
export function closeAll(): void {
  for (const thing of open) thing.destroy();
  open.clear();
}
const asDestroyable = (socket: WebSocket) => ({ destroy: () => socket.terminate() });

export interface Attack {
  name: string;
  what: string;
  run(ctx: AttackContext): Promise<void>;
}
export interface AttackContext {
  url: string;
  host: string;
  port: number;
  modelHash: string;
  answers: Answers;
  /** True until the attack's time is up. */
  running: () => boolean;
  /** Milliseconds until then. */
  msLeft: () => number;
}

const errorCode = (error: unknown) => `error ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;

/** A valid hello (typed, so a change to the protocol cannot leave the attacks sending ones the master refuses). */
function hello(modelHash: string, name: string): string {
  const message: HelloMessage = { type: 'hello', protocol: PROTOCOL_VERSION, name, kind: 'volunteer', backend: 'wasm', model: modelHash, credit: 4 };
  return JSON.stringify(message);
}

/** Opens a worker socket from the attacker's address; counts how it was answered. */
function attackerSocket(ctx: AttackContext): WebSocket {
  const socket = new WebSocket(`ws://${ctx.host}:${ctx.port}${WORKER_SOCKET_PATH}`, { localAddress: ATTACKER });
  const handle = track(asDestroyable(socket));
  let refused = false;
  socket.on('unexpected-response', (_req, res) => {
    refused = true;
    ctx.answers.add(`ws ${res.statusCode}`);
    res.resume();
    socket.terminate();
  });
  socket.on('open', () => ctx.answers.add('ws open'));
  socket.on('close', (code) => {
    // 1006 after the attack's time: the bench itself cut a socket the master still held.
    if (!refused) ctx.answers.add(code === 1006 && !ctx.running() ? 'ws held to the end' : `ws close ${code}`);
    open.delete(handle);
  });
  socket.on('error', (error) => refused || ctx.answers.add(errorCode(error)));
  return socket;
}

/** A plain HTTP request from the attacker's address; resolves with the response or null on error. */
function attackerRequest(ctx: AttackContext, options: http.RequestOptions): http.ClientRequest {
  const req = http.request({ host: ctx.host, port: ctx.port, localAddress: ATTACKER, ...options });
  track(req);
  req.on('response', (res) => ctx.answers.add(res.statusCode ?? 0));
  // After the attack's time, errors are the bench cutting its own requests.
  req.on('error', (error) => ctx.answers.add(ctx.running() ? errorCode(error) : 'held to the end'));
  req.on('close', () => open.delete(req));
  return req;
}

function drainedOrClosed(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

export const attacks: Attack[] = [
  {
    name: 'event-readers',
    what: '20 GET /api/events streams never read, while worker sockets churn (hello, close) so events flow',
    async run(ctx) {
      for (let i = 0; i < 20; i++) {
        const req = attackerRequest(ctx, { path: '/api/events' });
        req.on('response', (res) => res.pause());
        req.end();
      }
      while (ctx.running()) {
        for (let i = 0; i < 10; i++) {
          const socket = attackerSocket(ctx);
          socket.on('open', () => socket.send(hello(ctx.modelHash, `churn-${i}`)));
          socket.on('message', () => socket.close());
        }
        await sleep(100);
      }
    },
  },
  {
    name: 'idle-workers',
    what: '1,000 worker sockets: half never say hello, half say hello and then stop reading',
    async run(ctx) {
      for (let i = 0; i < 1000 && ctx.running(); i++) {
        const socket = attackerSocket(ctx);
        if (i % 2)
          socket.on('open', () => {
            socket.send(hello(ctx.modelHash, `idle-${i}`));
            // Stop reading (pings, worker updates) without closing: a half-open peer.
            (socket as unknown as { _socket: net.Socket })._socket.pause();
          });
        if (i % 50 === 49) await sleep(50);
      }
      while (ctx.running()) await sleep(100);
    },
  },
  {
    name: 'slow-headers',
    what: 'as many sockets as let in, each sending one header byte every 3 s (topped up to 1,000 open)',
    async run(ctx) {
      let live = 0;
      while (ctx.running()) {
        for (let i = 0; i < 50 && live < 1000; i++) {
          live++;
          const socket = track(net.connect({ host: ctx.host, port: ctx.port, localAddress: ATTACKER }));
          let answered = false;
          socket.on('connect', () => socket.write('GET /api/jobs HTTP/1.1\r\nHost: x\r\n'));
          socket.on('data', (data) => {
            if (!answered) ctx.answers.add(Number(data.toString('latin1').split(' ')[1]) || 'garbage');
            answered = true;
          });
          socket.on('error', (error) => ctx.answers.add(errorCode(error)));
          const drip = setInterval(() => socket.writable && socket.write('X'), 3000);
          socket.on('close', () => {
            if (!answered) ctx.answers.add(ctx.running() ? 'closed unanswered' : 'held to the end');
            clearInterval(drip);
            open.delete(socket);
            live--;
          });
        }
        await sleep(100);
      }
    },
  },
  {
    name: 'slow-bodies',
    what: 'uploads (Content-Length 1 MB) sending one body byte every 5 s, topped up to 50 open',
    async run(ctx) {
      let live = 0;
      while (ctx.running()) {
        for (let i = 0; i < 10 && live < 50; i++) {
          live++;
          const boundary = 'slowbody';
          const req = attackerRequest(ctx, {
            method: 'POST',
            path: '/api/jobs',
            headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': 1024 * 1024 },
          });
          req.write(multipartHead(boundary, 'slow.jpg', 'image/jpeg'));
          const drip = setInterval(() => !req.destroyed && req.write('\xff'), 5000);
          req.on('response', (res) => res.resume());
          req.on('close', () => {
            clearInterval(drip);
            live--;
          });
        }
        await sleep(200);
      }
    },
  },
  {
    name: 'big-uploads',
    what: '8 concurrent uploads of 10 MB parts (JPEG magic + zeros), in turn: 30 parts with Content-Length, 30 chunked, 9 with Content-Length (under the request cap)',
    async run(ctx) {
      const part = Buffer.alloc(10 * 1024 * 1024 - 1024);
      part.set([0xff, 0xd8, 0xff, 0xe0]);
      const boundary = 'bigupload';
      const heads = Array.from({ length: 30 }, (_, i) => Buffer.from(`${i ? '\r\n' : ''}${multipartHead(boundary, `big-${i}.jpg`, 'image/jpeg')}`));
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const upload = async (n: number) => {
        const parts = n % 3 === 2 ? 9 : 30;
        const chunks = [...heads.slice(0, parts).flatMap((h) => [h, part]), tail];
        const length = chunks.reduce((sum, c) => sum + c.length, 0);
        const req = attackerRequest(ctx, {
          method: 'POST',
          path: '/api/jobs',
          headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, ...(n % 3 === 1 ? {} : { 'Content-Length': length }) },
        });
        let answered = false;
        const done = new Promise<void>((resolve) => req.on('close', resolve));
        req.on('response', (res) => {
          answered = true;
          res.resume();
        });
        for (const chunk of chunks) {
          if (req.destroyed || answered || !ctx.running()) break;
          if (!req.write(chunk)) await drainedOrClosed(req);
        }
        if (answered || !ctx.running()) req.destroy();
        else req.end();
        await done;
      };
      await Promise.all(
        Array.from({ length: 8 }, async (_, lane) => {
          for (let n = lane; ctx.running(); n += 8) await upload(n);
        }),
      );
    },
  },
  {
    name: 'api-flood',
    what: 'GET /api/jobs in a tight loop on 8 keep-alive sockets',
    async run(ctx) {
      const agent = track(new http.Agent({ keepAlive: true, maxSockets: 8 }));
      const loop = async () => {
        while (ctx.running()) {
          await new Promise<void>((resolve) => {
            const req = attackerRequest(ctx, { path: '/api/jobs', agent });
            req.on('response', (res) => res.resume().on('end', resolve));
            req.on('error', () => setTimeout(resolve, 10));
            req.end();
          });
        }
      };
      await Promise.all(Array.from({ length: 8 }, loop));
    },
  },
  {
    name: 'forged-answers',
    what: 'a worker sending schema-valid results for jobs it never held and malformed JSON, nonstop (reconnects if closed)',
    async run(ctx) {
      while (ctx.running()) {
        const socket = attackerSocket(ctx);
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        socket.on('open', async () => {
          socket.send(hello(ctx.modelHash, 'forger'));
          for (let i = 0; socket.readyState === WebSocket.OPEN && ctx.running(); i++) {
            socket.send(
              i % 2
                ? '{"type":"result","jobId":'
                : JSON.stringify({
                    type: 'result',
                    jobId: `forged-${i}`,
                    leaseId: `lease-${i}`,
                    predictions: [{ index: 1, label: 'x', probability: 1 }],
                    inferenceMs: 1,
                    backend: 'cpu',
                    model: ctx.modelHash,
                  }),
            );
            if (socket.bufferedAmount > 1024 * 1024 || i % 100 === 99) await sleep(1);
          }
        });
        await Promise.race([closed, sleep(ctx.msLeft())]);
        if (ctx.running()) await sleep(100);
      }
    },
  },
];
