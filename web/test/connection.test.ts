import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeJobFrame, type HelloMessage } from '../../master/protocol.ts';
import { FIRST_WORD_TIMEOUT_MS, HEALTHY_AFTER_MS, MasterConnection, workerSocketUrl, type ConnectionHandlers } from '../src/worker-runtime/connection.ts';

/** Just enough of a browser WebSocket to drive MasterConnection. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  /** As in a browser, the close event comes later (see drop). */
  close() {
    this.readyState = FakeSocket.CLOSING;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  drop(code = 1006, reason = '') {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason });
  }
  receive(data: unknown) {
    this.onmessage?.({ data });
  }
}

const hello: HelloMessage = { type: 'hello', protocol: 1, name: 'w', kind: 'headless', backend: 'wasm', model: 'abc', credit: 2 };

function handlers(): ConnectionHandlers & { [K in keyof ConnectionHandlers]: ReturnType<typeof vi.fn> } {
  return { hello: vi.fn(() => hello), onMessage: vi.fn(), onJob: vi.fn(), onDown: vi.fn() };
}

const welcomeFrame = JSON.stringify({
  type: 'welcome',
  workerId: 'w1',
  identity: { workerId: 'A'.repeat(22), token: 'b'.repeat(43) },
  workerClass: 'volunteer',
  leaseMs: 30000,
  heartbeatMs: 1000,
});

/** A connection whose socket is open and has been welcomed by the master. */
function welcomed(h: ReturnType<typeof handlers>) {
  const connection = new MasterConnection('ws://m/ws/worker', h);
  connection.open();
  const socket = FakeSocket.all[0]!;
  socket.open();
  socket.receive(welcomeFrame);
  return { connection, socket };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.useFakeTimers();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('workerSocketUrl', () => {
  it('uses ws for http and wss for https', () => {
    expect(workerSocketUrl({ protocol: 'http:', host: 'grid:5000' })).toBe('ws://grid:5000/ws/worker');
    expect(workerSocketUrl({ protocol: 'https:', host: 'grid.example' })).toBe('wss://grid.example/ws/worker');
  });
});

describe('MasterConnection', () => {
  it('says hello as soon as the socket opens', () => {
    const connection = new MasterConnection('ws://m/ws/worker', handlers());
    connection.open();
    const socket = FakeSocket.all[0]!;
    expect(socket.binaryType).toBe('arraybuffer');
    socket.open();
    expect(socket.sent.map((s) => JSON.parse(s))).toEqual([hello]);
  });

  it('passes on valid messages and job frames, and ignores malformed ones', () => {
    const h = handlers();
    const { connection, socket } = welcomed(h);
    socket.receive('{"type":"nonsense"}');
    socket.receive('not json');
    const header = { type: 'job' as const, jobId: 'j', leaseId: 'l', contentType: 'image/png' };
    const frame = encodeJobFrame(header, new Uint8Array([1, 2, 3]));
    socket.receive(frame.buffer);
    socket.receive(new Uint8Array([0, 0, 0, 99]).buffer);
    expect(h.onMessage).toHaveBeenCalledTimes(1);
    expect(h.onJob).toHaveBeenCalledTimes(1);
    expect(h.onJob).toHaveBeenCalledWith(header, new Uint8Array([1, 2, 3]), connection.session);
  });

  it('reconnects with growing delays and says hello again', () => {
    const h = handlers();
    const connection = new MasterConnection('ws://m/ws/worker', h);
    connection.open();
    FakeSocket.all[0]!.drop();
    const firstWait = h.onDown.mock.calls[0]![0] as number;
    expect(firstWait).toBeGreaterThanOrEqual(250);
    expect(firstWait).toBeLessThanOrEqual(500);
    vi.advanceTimersByTime(firstWait);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop();
    const secondWait = h.onDown.mock.calls[1]![0] as number;
    expect(secondWait).toBeGreaterThanOrEqual(500);
    vi.advanceTimersByTime(secondWait);
    const third = FakeSocket.all[2]!;
    third.open();
    expect(third.sent.map((s) => JSON.parse(s))).toEqual([hello]);
  });

  it('swallows heartbeats, and reconnects when the master falls silent for three intervals', () => {
    const h = handlers();
    const { socket } = welcomed(h);
    for (let beat = 0; beat < 5; beat++) {
      vi.advanceTimersByTime(1000);
      socket.receive(JSON.stringify({ type: 'heartbeat' }));
    }
    expect(h.onMessage).toHaveBeenCalledTimes(1);
    expect(h.onDown).not.toHaveBeenCalled();
    // The master cut us without our browser noticing: nothing arrives any more.
    vi.advanceTimersByTime(3000);
    expect(h.onDown).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(h.onDown.mock.calls[0]![0] as number);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('gives up on a socket the master never welcomes, or that never opens, and tries again', () => {
    const h = handlers();
    const connection = new MasterConnection('ws://m/ws/worker', h);
    connection.open();
    FakeSocket.all[0]!.open(); // hello sent, no welcome ever comes
    vi.advanceTimersByTime(FIRST_WORD_TIMEOUT_MS - 1);
    expect(h.onDown).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all[0]!.readyState).toBe(FakeSocket.CLOSING);
    expect(h.onDown).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(h.onDown.mock.calls[0]![0] as number);
    expect(FakeSocket.all).toHaveLength(2);
    // The second socket hangs while connecting (a half-open route): given up on the same way.
    vi.advanceTimersByTime(FIRST_WORD_TIMEOUT_MS);
    expect(h.onDown).toHaveBeenCalledTimes(2);
  });

  it('keeps backing off from a master that welcomes the page and closes at once, and starts over after a lasting connection', () => {
    const h = handlers();
    const connection = new MasterConnection('ws://m/ws/worker', h);
    connection.open();
    /** Opens the newest socket, is welcomed on it (the runtime then calls markHealthy), lives `livesMs`, and is dropped: the wait before the next. */
    const welcomedThenDropped = (livesMs: number): number => {
      const socket = FakeSocket.all.at(-1)!;
      socket.open();
      socket.receive(welcomeFrame);
      connection.markHealthy();
      for (let lived = 0; lived < livesMs; lived += 500) {
        vi.advanceTimersByTime(500);
        socket.receive(JSON.stringify({ type: 'heartbeat' }));
      }
      socket.drop(1011, 'internal error');
      const wait = h.onDown.mock.calls.at(-1)![0] as number;
      vi.advanceTimersByTime(wait);
      return wait;
    };
    const waits = Array.from({ length: 6 }, () => welcomedThenDropped(0));
    // 0.5 s doubling, each jittered down by up to half: the sixth is at least 5 s, where a reset at each welcome keeps it at 0.5 s at most.
    expect(waits[5]).toBeGreaterThanOrEqual(5_000);
    expect(welcomedThenDropped(HEALTHY_AFTER_MS)).toBeLessThanOrEqual(500);
  });

  it('ignores a welcome whose heartbeat, three times over, is longer than a timer can wait, rather than dropping every socket at once', () => {
    const h = handlers();
    const connection = new MasterConnection('ws://m/ws/worker', h);
    connection.open();
    const socket = FakeSocket.all[0]!;
    socket.open();
    // A timer asked to wait past 2^31 - 1 ms fires at once, in browsers as here.
    socket.receive(welcomeFrame.replace('"heartbeatMs":1000', `"heartbeatMs":${2 ** 30}`));
    expect(h.onMessage).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(socket.readyState).toBe(FakeSocket.OPEN);
    expect(h.onDown).not.toHaveBeenCalled();
  });

  it("gives a new socket the first-word wait, not the last master's silence limit", () => {
    const h = handlers();
    welcomed(h); // heartbeat 1000: a welcomed socket may be silent 3000 ms
    FakeSocket.all[0]!.drop();
    vi.advanceTimersByTime(h.onDown.mock.calls[0]![0] as number);
    const second = FakeSocket.all[1]!;
    second.open(); // the master is slow to welcome
    vi.advanceTimersByTime(3001);
    expect(second.readyState).toBe(FakeSocket.OPEN);
    expect(h.onDown).toHaveBeenCalledTimes(1);
  });

  it("does not blame a silent master's outage on an earlier refusal", () => {
    const h = handlers();
    const connection = new MasterConnection('ws://m/ws/worker', h);
    connection.open();
    FakeSocket.all[0]!.open();
    const refusal = { code: 4007, reason: 'too many new identities from this address' };
    FakeSocket.all[0]!.drop(refusal.code, refusal.reason);
    expect(h.onDown).toHaveBeenLastCalledWith(expect.any(Number), refusal);
    vi.advanceTimersByTime(h.onDown.mock.calls[0]![0] as number);
    FakeSocket.all[1]!.open(); // then the master falls silent
    vi.advanceTimersByTime(FIRST_WORD_TIMEOUT_MS);
    expect(h.onDown).toHaveBeenCalledTimes(2);
    expect(h.onDown).toHaveBeenLastCalledWith(expect.any(Number), null);
  });

  it("tells the master's close once, and reconnects no more when told to stop then", () => {
    const h = handlers();
    const connection = new MasterConnection('ws://m/ws/worker', h);
    h.onDown.mockImplementation(() => connection.stopReconnecting());
    connection.open();
    FakeSocket.all[0]!.open();
    const refusal = { code: 4005, reason: 'fleet token refused' };
    FakeSocket.all[0]!.drop(refusal.code, refusal.reason);
    expect(h.onDown.mock.calls).toEqual([[expect.any(Number), refusal]]);
    vi.runAllTimers();
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('does not send work for an old socket on a new one', () => {
    const connection = new MasterConnection('ws://m/ws/worker', handlers());
    connection.open();
    FakeSocket.all[0]!.open();
    const oldSession = connection.session;
    FakeSocket.all[0]!.drop();
    vi.runOnlyPendingTimers();
    FakeSocket.all[1]!.open();
    expect(connection.send({ type: 'drain' }, oldSession)).toBe(false);
    expect(connection.send({ type: 'drain' }, connection.session)).toBe(true);
  });

  it('says beforehand whether an answer would go, as the page counts only answers sent', () => {
    const connection = new MasterConnection('ws://m/ws/worker', handlers());
    connection.open();
    const session = connection.session;
    expect(connection.canSend(session)).toBe(false); // not open yet
    FakeSocket.all[0]!.open();
    expect(connection.canSend(session)).toBe(true);
    FakeSocket.all[0]!.drop();
    expect(connection.canSend(session)).toBe(false);
    vi.runOnlyPendingTimers();
    FakeSocket.all[1]!.open();
    expect(connection.canSend(session)).toBe(false); // its lease died with its socket
    expect(connection.canSend(connection.session)).toBe(true);
  });

  it('connects at once when opened again while the closed socket is still closing', () => {
    const h = handlers();
    const { connection, socket } = welcomed(h);
    connection.close();
    connection.open(); // Start right after Stop
    expect(FakeSocket.all).toHaveLength(2);
    socket.drop(1000, 'worker stopped');
    expect(h.onDown.mock.calls.map(([retryInMs]) => retryInMs)).toEqual([null]);
    FakeSocket.all[1]!.open();
    expect(FakeSocket.all[1]!.sent.map((s) => JSON.parse(s))).toEqual([hello]);
  });

  it('stays down after close', () => {
    const h = handlers();
    const connection = new MasterConnection('ws://m/ws/worker', h);
    connection.open();
    FakeSocket.all[0]!.open();
    connection.close();
    FakeSocket.all[0]!.drop(1000, 'worker stopped');
    expect(h.onDown.mock.calls.map(([retryInMs]) => retryInMs)).toEqual([null]);
    vi.runAllTimers();
    expect(FakeSocket.all).toHaveLength(1);
  });
});
