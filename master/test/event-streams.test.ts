// Live event streams under hostile and slow boards, against a real master and
// real sockets: a board that stops reading costs no more than its socket's
// buffer, catches up in order when it reads again, is dropped when it stays
// behind and resumes with Last-Event-ID (one that heard nothing yet too, and
// each is told a jittered reconnection wait); the number of streams is capped; and
// worker changes arrive as coalesced diffs, not the whole list. The events kept
// for catching up are bounded in number and in bytes.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { until } from '../../test/support/jobs-client.ts';
import { received } from '../../test/support/raw-http.ts';
import { jobView } from '../../test/support/job-view.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import type { WorkersChangedEvent, WorkerView } from '../api-types.ts';
import type { Config } from '../config.ts';
import { RecentEvents } from '../events/recent-events.ts';

let master: TestMaster | undefined;
const clients: SseClient[] = [];
const workers: SyntheticWorker[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const worker of workers.splice(0)) worker.terminate();
  await master?.close();
  master = undefined;
});

async function start(overrides: Partial<Record<keyof Config, unknown>>): Promise<TestMaster> {
  master = await startTestMaster(overrides);
  return master;
}

async function board(options: { lastEventId?: string; paused?: boolean; localAddress?: string } = {}): Promise<SseClient> {
  const client = await SseClient.open(master!.url, options);
  clients.push(client);
  return client;
}

/** Publishes `count` job events of about `bytes` each: more than a socket's buffers hold when count × bytes is megabytes. */
function publishJobs(count: number, bytes = 4_000, from = 0): string[] {
  const ids = Array.from({ length: count }, (_, i) => `job-${from + i}`);
  for (const id of ids) master!.events.publish({ type: 'job', transition: 'submitted', job: jobView(id, { fileName: `${id}-${'x'.repeat(bytes)}.jpg` }) });
  return ids;
}

const jobIds = (client: SseClient) => client.framesNamed('job').map((frame) => (frame.data as { job: { id: string } }).job.id);

const gauge = async (name: string) => {
  const text = await (await fetch(`${master!.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
};
const streamsOpen = () => gauge('browser_grid_event_streams_connected');

describe('live event streams', () => {
  it('skip a board that does not read, and catch it up in order once it reads again', async () => {
    await start({ eventStreamStallMs: 60_000, eventReplayEvents: 10_000 });
    const slow = await board({ paused: true });
    const reading = await board();
    const sent = publishJobs(5_000); // about 20 MB: far more than the sockets buffer

    await until(() => reading.framesNamed('job').length === sent.length, 'the reading board to get every event');
    expect(jobIds(slow).length).toBeLessThan(sent.length);
    // What the master holds for the stalled board is one socket buffer's worth, not the 20 MB it missed.
    expect(await gauge('browser_grid_event_stream_buffered_bytes')).toBeLessThan(256 * 1024);
    slow.resume();
    await until(() => slow.framesNamed('job').length === sent.length, 'the slow board to catch up');
    expect(jobIds(slow)).toEqual(sent);
    expect(jobIds(reading)).toEqual(sent);
  });

  it('keep a quiet stream open past STALLED_CONNECTION_MS: a stream has its own rule for a board that stops reading', async () => {
    await start({ stalledConnectionMs: 300 });
    const quiet = await board();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const sent = publishJobs(1);
    await until(() => quiet.framesNamed('job').length === 1, 'the quiet board to get the event');
    expect(jobIds(quiet)).toEqual(sent);
    expect(await streamsOpen()).toBe(1);
  });

  it('drop a board that stays behind; it resumes with Last-Event-ID and misses nothing', async () => {
    await start({ eventStreamStallMs: 300, eventReplayEvents: 10_000 });
    const stuck = await board({ paused: true });
    const sent = publishJobs(5_000);
    await until(async () => (await streamsOpen()) === 0, 'the stuck board to be dropped');

    // What reached the stuck board before the drop is still in its buffers: read it, then resume after it.
    stuck.resume();
    await stuck.ended;
    const received = jobIds(stuck);
    expect(received.length).toBeLessThan(sent.length);
    // A resumed board that falls behind again (a loaded machine reads 20 MB slowly) is dropped again and resumes
    // again, as a browser's EventSource does: together the streams hold every event once, in order, and no resync.
    let lastEventId = stuck.frames.at(-1)!.id!;
    for (let resumptions = 0; received.length < sent.length; resumptions++) {
      expect(resumptions, 'resumptions before the board caught up').toBeLessThan(20);
      const resumed = await board({ lastEventId });
      let dropped = false;
      void resumed.ended.then(() => (dropped = true));
      await until(() => dropped || received.length + jobIds(resumed).length === sent.length, 'the resumed board to get the rest');
      resumed.close();
      await resumed.ended;
      expect(resumed.framesNamed('resync')).toEqual([]);
      received.push(...jobIds(resumed));
      lastEventId = resumed.frames.at(-1)?.id ?? lastEventId;
    }
    expect(received).toEqual(sent);
  });

  it('tell a board to resync when it resumes from an event no longer kept, or from another master', async () => {
    await start({ eventReplayEvents: 10 });
    const first = await board();
    // Five bursts, each read before the next: one burst of 50 frames outgrew the socket's buffers (the board, skipped
    // and then behind the replay window, was dropped), which is another test's matter.
    for (let burst = 0; burst < 5; burst++) {
      publishJobs(10, 10, burst * 10);
      await until(() => first.framesNamed('job').length === (burst + 1) * 10, 'the events');
    }
    const oldest = first.framesNamed('job')[0]!.id!;

    const late = await board({ lastEventId: oldest });
    const foreign = await board({ lastEventId: '00000000-5' });
    const recent = await board({ lastEventId: first.frames.at(-3)!.id });
    await until(() => late.frames.length > 1 && foreign.frames.length > 1 && recent.frames.length === 3, 'the answers');
    // Each stream opens with the workers connected (none here), then resyncs or replays.
    expect(late.frames.map((frame) => frame.name)).toEqual(['workers-changed', 'resync']);
    expect(foreign.frames.map((frame) => frame.name)).toEqual(['workers-changed', 'resync']);
    expect(jobIds(recent)).toEqual(['job-48', 'job-49']);
  });

  it('start a board told to resync at the newest event, so that reconnecting before the next one costs no second resync', async () => {
    await start({ eventReplayEvents: 10 });
    const first = await board();
    // The ten kept start after the second: the first board has missed one.
    publishJobs(12, 10);
    await until(() => first.framesNamed('job').length === 12, 'the events');
    const newest = first.frames.at(-1)!.id;

    const late = await board({ lastEventId: first.framesNamed('job')[0]!.id });
    await until(() => late.framesNamed('resync').length === 1, 'the resync');
    expect(late.lastEventId).toBe(newest);
    late.close();
    await late.ended;
    const reconnected = await board({ lastEventId: late.lastEventId });
    // What a stream opens with comes before any event published after it opened.
    await until(() => reconnected.frames.length > 0, 'the count the stream opens with');
    const next = publishJobs(1, 10, 12);
    await until(() => jobIds(reconnected).length === 1, 'the next event');
    expect(reconnected.frames.map((frame) => frame.name)).toEqual(['workers-changed', 'job']);
    expect(jobIds(reconnected)).toEqual(next);
  });

  it('tell each board a jittered wait before reconnecting, between EVENT_RECONNECT_MS and twice it', async () => {
    await start({ eventReconnectMs: 1_000 });
    const boards = await Promise.all(Array.from({ length: 5 }, () => board()));
    await until(() => boards.every((client) => client.retryMs !== undefined), 'every board to be told its wait');
    const waits = boards.map((client) => client.retryMs!);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...waits)).toBeLessThan(2_000);
    // Five equal draws out of a thousand values would take a broken random.
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it('send a keepalive event as a stream opens and every EVENT_KEEPALIVE_MS, saying the interval, unnumbered', async () => {
    await start({ eventKeepaliveMs: 200 });
    const listening = await board();
    await until(() => listening.keepalives.length >= 1, 'the keepalive the stream opens with');
    const opened = listening.lastEventId;
    await until(() => listening.keepalives.length >= 4, 'keepalives on the interval');
    // A page cannot see an SSE comment: these are events, so a page can tell a quiet stream from a dead one.
    expect(new Set(listening.keepalives.map((frame) => JSON.stringify(frame)))).toEqual(
      new Set([JSON.stringify({ name: 'keepalive', data: { type: 'keepalive', intervalMs: 200 } })]),
    );
    expect(listening.lastEventId).toBe(opened);
    expect(listening.frames.map((frame) => frame.name)).toEqual(['workers-changed']);
  });

  it('let a board that has heard no event yet resume from where it opened, missing nothing', async () => {
    await start({});
    const quiet = await board();
    await until(() => quiet.lastEventId !== undefined, 'the id the stream opened at');
    quiet.close();
    await quiet.ended;
    const sent = publishJobs(2, 10);
    const resumed = await board({ lastEventId: quiet.lastEventId });
    await until(() => jobIds(resumed).length === 2, 'the events sent while the board was away');
    expect(jobIds(resumed)).toEqual(sent);
    expect(resumed.framesNamed('resync')).toEqual([]);
  });

  it('refuse streams past MAX_EVENT_STREAMS with 503 and Retry-After, while health answers', async () => {
    await start({ maxEventStreams: 2 });
    await board();
    await board();
    const third = await board();
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('10');
    expect(await third.body()).toEqual({ error: { code: 'too-many-event-streams', message: expect.any(String) } });
    expect((await fetch(`${master!.url}/livez`)).status).toBe(200);
  });

  it('refuse a stream past MAX_EVENT_STREAMS_PER_ADDRESS with 429, while another address gets one; a closed stream frees its place', async () => {
    await start({ maxEventStreams: 10, maxEventStreamsPerAddress: 2 });
    const first = await board({ localAddress: '127.0.0.2' });
    expect([first.status, (await board({ localAddress: '127.0.0.2' })).status]).toEqual([200, 200]);
    const third = await board({ localAddress: '127.0.0.2' });
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('10');
    expect(await third.body()).toEqual({ error: { code: 'too-many-event-streams-from-address', message: expect.any(String) } });
    // Another address still gets a stream: one address cannot take every board's place.
    expect((await board({ localAddress: '127.0.0.3' })).status).toBe(200);

    first.close();
    await until(async () => (await board({ localAddress: '127.0.0.2' })).status === 200, 'the closed stream to free its place');
    expect((await board({ localAddress: '127.0.0.2' })).status).toBe(429);
  });

  it('answer HEAD with the headers alone and end it: no stream is opened, and the connection serves the next request', async () => {
    await start({ maxEventStreamsPerAddress: 1 });
    const socket = net.connect({ host: '127.0.0.1', port: master!.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const answers = received(socket);
    // A HEAD, then a stream's request and a probe behind it on the same connection.
    socket.write('HEAD /api/events HTTP/1.1\r\nHost: x\r\n\r\nGET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const raw = await answers;
    // Before, the HEAD opened a stream that never ended, and the probe behind it closed the connection unanswered.
    expect(raw).toMatch(/^HTTP\/1\.1 200 [^]*text\/event-stream[^]*HTTP\/1\.1 200 [^]*"status":"live"/);
    // It held no stream: the address's one place is free.
    expect((await board({})).status).toBe(200);
  });

  it('send worker changes as coalesced diffs with the count connected: who joined or changed, who left', async () => {
    await start({ workerEventsEveryMs: 3_000 });
    const watching = await board();
    const changes = () => watching.framesNamed('workers-changed').map((frame) => frame.data as WorkersChangedEvent);
    await until(() => changes().length === 1, 'the count the stream opens with');
    expect(changes()).toEqual([{ type: 'workers-changed', changed: [], left: [], connected: 0 }]);
    const names = Array.from({ length: 20 }, (_, i) => `w${i}`);
    workers.push(...(await Promise.all(names.map((name) => SyntheticWorker.connect({ masterUrl: master!.url, name })))));
    await until(() => changes().length > 1, 'the workers to be announced', 10_000);
    // All twenty joined within one interval: one event names them all.
    const joined = changes().slice(1);
    expect(joined).toHaveLength(1);
    expect(joined[0]!.changed.map((worker) => worker.name).sort()).toEqual([...names].sort());
    expect(joined[0]!.connected).toBe(20);

    workers.splice(0, 1)[0]!.terminate();
    await until(() => changes().length === 3, 'the departure', 10_000);
    const left = [joined[0]!.changed.find((worker) => worker.name === 'w0')!.id];
    expect(changes()[2]).toEqual({ type: 'workers-changed', changed: [], left, connected: 19 });

    // A board opened now hears the count at once, naming no worker: it needs no list of them.
    const late = await board();
    await until(() => late.frames.length === 1, 'the count the late stream opens with');
    expect(late.frames[0]!.data).toEqual({ type: 'workers-changed', changed: [], left: [], connected: 19 });
  });
});

describe('recent events kept for catching up', () => {
  const job = (id: string, bytes: number) => ({ type: 'job' as const, transition: 'submitted' as const, job: jobView(id, { fileName: 'x'.repeat(bytes) }) });
  const ids = (events: { frame: string }[] | null) => events?.map((event) => /"id":"([^"]+)"/.exec(event.frame)![1]);

  it('forget the oldest past EVENT_REPLAY_BYTES: a forgotten position answers null, recent ones still replay', () => {
    const recent = new RecentEvents(1_000, 10_000);
    for (let i = 1; i <= 5; i++) recent.add(job(`small-${i}`, 100));
    expect(ids(recent.after(0))).toEqual(['small-1', 'small-2', 'small-3', 'small-4', 'small-5']);

    // Three events of 4 KB fill the 10 KB with two of them: the small ones and the first big one are forgotten.
    for (let i = 1; i <= 3; i++) recent.add(job(`big-${i}`, 4_000));
    expect(recent.bytes).toBeLessThanOrEqual(10_000);
    expect(recent.after(0)).toBeNull();
    expect(recent.after(5)).toBeNull(); // big-1, position 6, is forgotten
    expect(ids(recent.after(6))).toEqual(['big-2', 'big-3']);
    expect(ids(recent.after(7))).toEqual(['big-3']);
    expect(ids(recent.after(8))).toEqual([]);
  });

  it('count a frame with a character past U+00FF at two bytes a character, as V8 keeps it', () => {
    const recent = new RecentEvents(1_000, 64 * 1024 * 1024);
    const plain = recent.add(job('plain', 1_000));
    const emoji = recent.add({ type: 'job', transition: 'submitted', job: jobView('emoji', { fileName: `🐈${'x'.repeat(1_000)}` }) });
    expect(plain.bytes).toBe(plain.frame.length);
    expect(emoji.bytes).toBe(2 * emoji.frame.length);
  });

  const worker = { id: 'c', workerId: 'w', workerClass: 'volunteer', name: 'n', kind: 'browser', browser: null, backend: 'wasm', model: 'm', credit: 0 };
  const workersChanged = (count: number) => ({
    type: 'workers-changed' as const,
    changed: Array.from({ length: count }, (_, i) => ({ ...worker, id: `c${i}`, credibility: 1, spotChecksPassed: 0 }) as unknown as WorkerView),
    left: [],
    connected: count,
  });

  /** The bytes of every event recent can still replay. */
  const replayedBytes = (recent: RecentEvents) => {
    let from = 0;
    while (recent.after(from) === null) from++;
    return recent.after(from)!.reduce((sum, event) => sum + event.bytes, 0);
  };

  it('make a worker change’s frame without trust only when a board needs it, and count it from then on within EVENT_REPLAY_BYTES', () => {
    const bound = 50_000;
    const recent = new RecentEvents(1_000, bound);
    const change = recent.add(workersChanged(40));
    expect(recent.bytes).toBe(change.frame.length);
    // A board that sees trust (every board of a public master) costs no second frame.
    expect(recent.frameFor(change, true)).toBe(change.frame);
    expect(recent.bytes).toBe(change.frame.length);

    const hidden = recent.frameFor(change, false);
    expect(hidden.split('\n')[0]).toBe(change.frame.split('\n')[0]);
    const data = JSON.parse(/^data: (.*)$/m.exec(hidden)![1]!) as { changed: WorkerView[] };
    expect(data.changed).toHaveLength(40);
    expect(data.changed.every((view) => view.credibility === null && view.spotChecksPassed === null)).toBe(true);
    expect(recent.bytes).toBe(change.frame.length + hidden.length);
    expect(recent.frameFor(change, false)).toBe(hidden);
    expect(recent.bytes).toBe(change.frame.length + hidden.length);
    const plain = recent.add(job('plain', 100));
    expect(recent.frameFor(plain, false)).toBe(plain.frame);

    // Made with the bound nearly reached, it forgets the oldest, as an event added would.
    const late = recent.add(workersChanged(40));
    recent.add(job('filler', bound - recent.bytes - 1_000));
    expect(recent.after(change.seq - 1)).not.toBeNull();
    recent.frameFor(late, false);
    expect(recent.after(change.seq - 1)).toBeNull();
    expect(recent.bytes).toBeLessThanOrEqual(bound);
    expect(replayedBytes(recent)).toBe(recent.bytes);
  });

  it('never keep more bytes than EVENT_REPLAY_BYTES, counting both frames of a worker change, and always keep the newest', () => {
    const bound = 50_000;
    const recent = new RecentEvents(1_000, bound);
    const workersChanged40 = recent.add(workersChanged(40));
    const hidden = recent.frameFor(workersChanged40, false);
    expect(hidden).not.toBe(workersChanged40.frame);
    expect(recent.bytes).toBe(workersChanged40.frame.length + hidden.length);

    let kept = [workersChanged40.seq];
    for (let i = 0; i < 300; i++) {
      const added = recent.add(job(`job-${i}`, (i * 7_919) % 9_000));
      kept = [...kept, added.seq];
      expect(recent.bytes).toBeLessThanOrEqual(bound);
      const replayed = recent.after(recent.newest - 1)!;
      expect(replayed.map((event) => event.seq)).toEqual([added.seq]);
      const total = (from: number) => recent.after(from)?.reduce((sum, event) => sum + event.bytes, 0);
      // What after() can still replay is exactly what is counted.
      const oldestKept = kept.find((seq) => recent.after(seq - 1) !== null)!;
      expect(total(oldestKept - 1)).toBe(recent.bytes);
      expect(recent.after(oldestKept - 2)).toBeNull();
    }

    // An event larger than the bound is still kept, alone, so a board stalled while it was sent catches up.
    const huge = recent.add(job('huge', 2 * bound));
    expect(recent.after(huge.seq - 1)).toEqual([huge]);
    expect(recent.after(huge.seq - 2)).toBeNull();
    expect(recent.bytes).toBe(huge.bytes);
  });

  it('still forget the oldest past EVENT_REPLAY_EVENTS when their bytes fit', () => {
    const recent = new RecentEvents(3, 1_000_000);
    for (let i = 1; i <= 5; i++) recent.add(job(`job-${i}`, 10));
    expect(recent.after(1)).toBeNull();
    expect(ids(recent.after(2))).toEqual(['job-3', 'job-4', 'job-5']);
    expect(recent.bytes).toBe(recent.after(2)!.reduce((sum, event) => sum + event.bytes, 0));
  });
});
