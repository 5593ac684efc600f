// npm run bench:hostile — the master, with its default limits, under the attacks of issue 10.
//
// A real master runs as a child process; each attack runs for a bounded time from
// 127.0.0.1 while, from other loopback addresses (so per-address caps on the
// attacker do not reach them), a probe polls GET /livez, a client submits one real
// image every 500 ms and one trusted synthetic worker answers every job. Per
// attack: the master's peak RSS growth, the probe's latency, the legitimate jobs
// and what the attacker was answered.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Command } from 'commander';
import WebSocket from 'ws';
import { distribution } from '../common/percentiles.ts';
import { PROTOCOL_VERSION, WORKER_SOCKET_PATH } from '../master/protocol.ts';
import { SyntheticWorker } from './synthetic-worker.ts';

const ATTACKER = '127.0.0.1';
const PROBE = '127.0.0.2';
const CLIENT = '127.0.0.3';
const WORKER = '127.0.0.4';
const FLEET_TOKEN = 'bench-hostile-fleet-token';
const DATASET = path.resolve(import.meta.dirname, '../../shared/datasets/imagenet-dev');
const GOALS = { rssGrowthMb: 100, healthP99Ms: 100 };

const program = new Command('bench:hostile')
  .option('--seconds <n>', 'length of each attack', '15')
  .option('--only <names>', 'comma-separated attacks to run (default: all)')
  .parse();
const opts = program.opts<{ seconds: string; only?: string }>();
const attackMs = Number(opts.seconds) * 1000;

/** What the attacker was answered: status codes, closes and errors, counted. */
class Answers {
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
function closeAll(): void {
  for (const thing of open) thing.destroy();
  open.clear();
}
const asDestroyable = (socket: WebSocket) => ({ destroy: () => socket.terminate() });

interface Attack {
  name: string;
  what: string;
  run(ctx: AttackContext): Promise<void>;
}
interface AttackContext {
  url: string;
  host: string;
  port: number;
  modelHash: string;
  answers: Answers;
  /** True until the attack's time is up. */
  running: () => boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorCode = (error: unknown) => `error ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;

function hello(modelHash: string, name: string): string {
  return JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name, kind: 'browser', backend: 'wasm', model: modelHash, credit: 4 });
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

function multipartHead(boundary: string, fileName: string, contentType: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`;
}

const attacks: Attack[] = [
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
        await Promise.race([closed, sleep(attackMs)]);
        if (ctx.running()) await sleep(100);
      }
    },
  },
];

// ---- the master and what runs beside every attack ----------------------------

interface ChildMaster {
  url: string;
  child: ChildProcess;
}

/** The master's log goes to a file, not a pipe: a pipe the busy bench reads late could stall the master's writes. */
async function startMaster(dataDir: string, logFile: string): Promise<ChildMaster> {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'master/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', FLEET_TOKEN },
    stdio: ['ignore', log, 'inherit'],
  });
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    const listening = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .find((line) => line.includes('"master listening"'));
    if (listening) return { url: JSON.parse(listening).url as string, child };
    if (exited !== undefined) throw new Error(`master exited with ${exited} before listening (log: ${logFile})`);
    await sleep(100);
  }
}

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** GET path from a given loopback address on a fresh connection; resolves with status (0 on error). */
function get(port: number, localAddress: string, pathName: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathName, localAddress, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** POSTs one image from the client's address; resolves with the created job id, or null. */
function submitImage(port: number, image: Buffer, fileName: string): Promise<string | null> {
  const boundary = 'legitimate';
  const body = Buffer.concat([Buffer.from(multipartHead(boundary, fileName, 'image/jpeg')), image, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/jobs',
        method: 'POST',
        localAddress: CLIENT,
        agent: false,
        timeout: 10_000,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(res.statusCode === 201 ? ((JSON.parse(text) as { jobs: { id: string }[] }).jobs[0]?.id ?? null) : null));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

/** Waits (up to 60 s) until the master answers /livez quickly 5 times in a row, so one attack's aftermath is not charged to the next. */
async function settle(port: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (let quick = 0; quick < 5 && performance.now() < deadline;) {
    const started = performance.now();
    const { status } = await get(port, CLIENT, '/livez');
    quick = status === 200 && performance.now() - started < 20 ? quick + 1 : 0;
    await sleep(200);
  }
}

interface Row {
  name: string;
  rssBeforeMb: number;
  rssGrowthMb: number;
  healthP99Ms: number;
  healthMaxMs: number;
  healthFailed: number;
  submitted: number;
  refused: number;
  finished: number;
  answers: string;
  logMb: number;
}

/** The /livez probe, a separate process (metrics/hostile-probe.ts); its answers go to whoever listens. */
const probe: { child?: ChildProcess; listen?: (ms: number, status: number) => void } = {};

function startProbe(port: number): void {
  probe.child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'hostile-probe.ts'), String(port), PROBE, '50'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readline.createInterface({ input: probe.child.stdout! }).on('line', (line) => {
    const [ms, status] = line.split(' ').map(Number);
    probe.listen?.(ms!, status!);
  });
}

async function runAttack(attack: Attack, master: ChildMaster, modelHash: string, images: string[]): Promise<Row> {
  const pid = master.child.pid!;
  const port = Number(new URL(master.url).port);
  const rssBefore = rssBytes(pid);
  const logBefore = fs.statSync(logFile).size;
  let rssPeak = rssBefore;
  const started = performance.now();
  const running = () => performance.now() - started < attackMs;

  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 100);
  const latencies: number[] = [];
  let healthFailed = 0;
  probe.listen = (ms, status) => {
    latencies.push(ms);
    if (status !== 200) healthFailed++;
  };
  const submissions: Promise<string | null>[] = [];
  let next = 0;
  const submitTimer = setInterval(() => {
    const file = images[next++ % images.length]!;
    submissions.push(submitImage(port, fs.readFileSync(path.join(DATASET, file)), file));
  }, 500);

  const answers = new Answers();
  const ctx: AttackContext = { url: master.url, host: '127.0.0.1', port, modelHash, answers, running };
  await attack.run(ctx);
  while (running()) await sleep(50);
  probe.listen = undefined;
  clearInterval(submitTimer);
  clearInterval(rssTimer);
  closeAll();
  const ids = await Promise.all(submissions);
  const created = ids.filter((id): id is string => id !== null);

  // Jobs submitted during the attack get 10 s more to finish.
  const pending = new Set(created);
  const deadline = performance.now() + 10_000;
  while (pending.size && performance.now() < deadline) {
    for (const id of [...pending]) {
      const { status, body } = await get(port, CLIENT, `/api/jobs/${id}`);
      if (status === 200 && (JSON.parse(body) as { status: string }).status === 'done') pending.delete(id);
    }
    if (pending.size) await sleep(250);
  }
  const health = distribution(latencies);
  const logMb = (fs.statSync(logFile).size - logBefore) / 2 ** 20;
  return {
    name: attack.name,
    rssBeforeMb: rssBefore / 2 ** 20,
    rssGrowthMb: (rssPeak - rssBefore) / 2 ** 20,
    healthP99Ms: health.p99,
    healthMaxMs: health.max,
    healthFailed,
    submitted: ids.length,
    refused: ids.length - created.length,
    finished: created.length - pending.size,
    answers: answers.toString(),
    logMb,
  };
}

function verdict(row: Row): string {
  const broken = [
    row.rssGrowthMb > GOALS.rssGrowthMb && 'RSS',
    (row.healthP99Ms > GOALS.healthP99Ms || row.healthFailed > 0) && 'health',
    (row.refused > 0 || row.finished < row.submitted) && 'jobs',
  ].filter(Boolean);
  return broken.length ? `FAIL (${broken.join(', ')})` : 'pass';
}

// ---- main --------------------------------------------------------------------

const chosen = opts.only ? attacks.filter((a) => opts.only!.split(',').includes(a.name)) : attacks;
if (!chosen.length || !(attackMs > 0)) {
  console.error(`bench:hostile: nothing to run (attacks: ${attacks.map((a) => a.name).join(', ')}; --seconds > 0)`);
  process.exit(2);
}
console.log(`hostile benchmark: npm run bench:hostile -- ${process.argv.slice(2).join(' ') || '(defaults)'}`);
console.log(`${os.cpus().length} cores, node ${process.version}; master with default limits (a child process), ${opts.seconds} s per attack`);
console.log(`goals: RSS growth ≤ ${GOALS.rssGrowthMb} MB, GET /livez p99 ≤ ${GOALS.healthP99Ms} ms (every probe answered), every legitimate job finished\n`);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hostile-'));
const logFile = path.join(dataDir, 'master.log');
let master: ChildMaster | undefined;
let worker: SyntheticWorker | undefined;
let stopping = false;
function shutdown(): void {
  stopping = true;
  closeAll();
  worker?.terminate();
  probe.child?.kill('SIGKILL');
  master?.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: master and probe stopped`);
    shutdown();
    process.exit(130);
  });
}

const rows: Row[] = [];
try {
  master = await startMaster(dataDir, logFile);
  const port = Number(new URL(master.url).port);
  const model = JSON.parse((await get(port, CLIENT, '/api/model')).body) as { hash: string };
  worker = await SyntheticWorker.connect({
    masterUrl: master.url,
    name: 'legitimate',
    localAddress: WORKER,
    hello: { fleetToken: FLEET_TOKEN },
    onJob: (job, w) => w.succeed(job.header),
  });
  void worker.closed.then((code) => stopping || console.log(`  (the legitimate worker was disconnected: ${code}; later jobs cannot finish)`));
  startProbe(port);
  await sleep(1000); // the probe process starting up
  const images = fs
    .readdirSync(DATASET)
    .filter((f) => /\.jpe?g$/i.test(f))
    .slice(0, 20);
  console.log(
    'attack | RSS before MB | peak growth MB | /livez p99 ms | max ms | probes failed | jobs submitted | refused | finished | master log MB | attacker answered | verdict',
  );
  for (const attack of chosen) {
    const row = await runAttack(attack, master, model.hash, images);
    rows.push(row);
    console.log(
      `${row.name} | ${row.rssBeforeMb.toFixed(0)} | ${row.rssGrowthMb.toFixed(1)} | ${row.healthP99Ms.toFixed(1)} | ${row.healthMaxMs.toFixed(1)} | ${row.healthFailed} | ${row.submitted} | ${row.refused} | ${row.finished} | ${row.logMb.toFixed(1)} | ${row.answers} | ${verdict(row)}`,
    );
    await settle(port);
  }
} finally {
  shutdown();
}
const failed = rows.filter((row) => verdict(row) !== 'pass');
console.log(
  `\nsummary: ${rows.length - failed.length}/${rows.length} attacks met every goal${failed.length ? `; failed: ${failed.map((r) => `${r.name} ${verdict(r)}`).join(', ')}` : ''}`,
);
console.log('attacks:');
for (const attack of chosen) console.log(`  ${attack.name}: ${attack.what}`);
