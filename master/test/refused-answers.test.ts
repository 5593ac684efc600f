// A worker that keeps sending answers the master refuses (forged or stale leases):
// logged at most once per interval with a count of the rest, and disconnected at the limit. An honest page's answer
// that crossed the master's cancel of its lease is refused too, but is no strike against it.
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SyntheticJob } from '../../metrics/synthetic-worker.ts';
import { submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { defaultModelDir, devImages } from '../../test/support/paths.ts';
import { tempDataDir } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { makeConfig } from '../config.ts';
import { RefusalLimiter } from '../hub/refusal-limiter.ts';
import { PROTOCOL_VERSION, WORKER_SOCKET_PATH } from '../protocol.ts';
import { startMaster, type Master } from '../server.ts';

describe('RefusalLimiter', () => {
  it('lets one refusal per interval be logged, counting the rest, and says when the limit is reached', () => {
    const limiter = new RefusalLimiter(5, 1_000);
    expect(limiter.note(0)).toEqual({ log: true, suppressed: 0, overLimit: false });
    expect(limiter.note(10)).toEqual({ log: false, suppressed: 1, overLimit: false });
    expect(limiter.note(20)).toEqual({ log: false, suppressed: 2, overLimit: false });
    expect(limiter.note(1_000)).toEqual({ log: true, suppressed: 2, overLimit: false });
    // The last one before hanging up is always logged, with what was left unsaid.
    expect(limiter.note(1_010)).toEqual({ log: true, suppressed: 0, overLimit: true });
  });
});

describe('a worker sending refused answers', () => {
  let master: Master | undefined;
  afterEach(async () => {
    await master?.close();
  });

  it('is logged twice for 20 forged results and disconnected with 1008 at MAX_REFUSED_MESSAGES', async () => {
    const lines: { msg: string; suppressed?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const config = makeConfig({
      port: 0,
      host: '127.0.0.1',
      modelDir: defaultModelDir,
      dataDir: tempDataDir(),
      maxRefusedMessages: 20,
      refusedLogIntervalMs: 60_000,
    });
    master = await startMaster(config, log);
    const { hash } = (await fetch(`${master.url}/api/model`).then((r) => r.json())) as { hash: string };

    const socket = new WebSocket(`${master.url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, reason.toString()])));
    const welcomed = new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name: 'forger', kind: 'volunteer', backend: 'wasm', model: hash, credit: 0 }));
    await welcomed;
    const forged = () => ({
      type: 'result',
      jobId: randomUUID(),
      leaseId: randomUUID(),
      predictions: [{ index: 1, label: 'x', probability: 1 }],
      inferenceMs: 1,
      backend: 'wasm',
      model: hash,
    });
    for (let i = 0; i < 20; i++) socket.send(JSON.stringify(forged()));

    expect(await closed).toEqual([1008, 'too many refused answers']);
    const rejected = lines.filter((line) => line.msg === 'result rejected');
    expect(rejected.map((line) => line.suppressed)).toEqual([0, 18]);
    expect(master.lifecycle.counters.rejected['unknown-job']).toBe(20);
  });
});

describe('an answer that crossed the master’s cancel', () => {
  const grid = useTestMasters();

  it('is refused but counts no strike, once per cancel: the next refusals do', async () => {
    const m = await grid.start('sqlite', { maxRefusedMessages: 2 });
    const ids = await submit(m.url, uploadsFrom(devImages(2).map((image) => image.path)));
    const held: SyntheticJob[] = [];
    const worker = await grid.connect(m, { name: 'honest-but-slow', credit: 2, onJob: (job) => void held.push(job) });
    let closedWith: number | undefined;
    void worker.closed.then((code) => (closedWith = code));
    await until(() => held.length === 2, 'both jobs held');
    // Both jobs are deleted while the page works on them: it is told to drop them, and its answers cross the cancels.
    for (const id of ids) await m.lifecycle.cancel(id);
    await until(() => worker.messages.filter((message) => message.type === 'cancel').length === 2, 'both cancels');
    for (const job of held) worker.succeed(job.header, 1);
    const rejected = () => m.lifecycle.counters.rejected['unknown-job'];
    await until(() => rejected() === 2, 'both late answers refused');
    // The same answer again is no longer late, and a forged one neither: the second of those reaches the limit.
    worker.succeed(held[0]!.header, 1);
    await until(() => rejected() === 3, 'the repeat refused');
    expect(closedWith).toBeUndefined();
    worker.succeed({ ...held[1]!.header, leaseId: randomUUID() }, 1);
    await until(() => closedWith !== undefined, 'the hang-up');
    expect([closedWith, rejected()]).toEqual([1008, 4]);
  });
});
