// The stop-signal logic alone (shutdown.ts), on a master whose close() the test settles: real processes hanging
// on an unreachable Redis are in shutdown-deadline.test.ts.
import pino from 'pino';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { stopOnSignals } from '../shutdown.ts';

let lines: { level: number; msg: string; waitingFor?: string; signal?: string }[];
let exits: number[];
const log = () => pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });

beforeEach(() => {
  lines = [];
  exits = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

/** A master whose close() ends when the test says, in the step the test names. */
function closingMaster(step = 'the job store to close') {
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const closed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  return { master: { close: vi.fn(() => closed), closeStep: () => step }, settle };
}

it('exits 0 once close() ends within the limit, and not again when the limit passes', async () => {
  const { master, settle } = closingMaster();
  const stop = stopOnSignals(master, { timeoutMs: 1_000, log: log(), exit: (code) => exits.push(code) });
  stop('SIGTERM');
  settle.resolve();
  await vi.advanceTimersByTimeAsync(5_000);
  expect(exits).toEqual([0]);
  expect(master.close).toHaveBeenCalledTimes(1);
});

it('exits 1 when close() fails, saying so', async () => {
  const { master, settle } = closingMaster();
  stopOnSignals(master, { timeoutMs: 1_000, log: log(), exit: (code) => exits.push(code) })('SIGINT');
  settle.reject(new Error('store gone'));
  await vi.advanceTimersByTimeAsync(5_000);
  expect(exits).toEqual([1]);
  expect(lines.some((line) => line.msg === 'master: could not stop cleanly')).toBe(true);
});

it('exits 1 when close() has not ended within the limit, naming the step it waited in', async () => {
  const { master } = closingMaster('the identity store to close');
  stopOnSignals(master, { timeoutMs: 1_000, log: log(), exit: (code) => exits.push(code) })('SIGTERM');
  await vi.advanceTimersByTimeAsync(999);
  expect(exits).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(exits).toEqual([1]);
  const error = lines.find((line) => line.level === 50)!;
  expect(error.msg).toBe('master: shutdown did not finish within SHUTDOWN_TIMEOUT_MS');
  expect(error.waitingFor).toBe('the identity store to close');
});

it.each([
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const)('a second %s exits at once with %i, saying the shutdown was cut short; close() runs once', (signal, code) => {
  const { master } = closingMaster('worker answers being handled');
  const stop = stopOnSignals(master, { timeoutMs: 60_000, log: log(), exit: (exitCode) => exits.push(exitCode) });
  stop('SIGTERM');
  stop(signal);
  expect(exits).toEqual([code]);
  expect(master.close).toHaveBeenCalledTimes(1);
  const error = lines.find((line) => line.level === 50)!;
  expect(error).toMatchObject({ msg: 'master: shutdown cut short by a second signal', signal, waitingFor: 'worker answers being handled' });
});
