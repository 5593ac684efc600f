// A master's log kept in the test, line by line, and a master closed while it still handles a worker's message.
import pino from 'pino';
import type { Logger } from '../../master/log.ts';
import { until } from './jobs-client.ts';

export interface LogLine {
  level: number;
  msg: string;
}

/** A logger at info that keeps every line it writes, parsed. */
export function capturedLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }), lines };
}

/**
 * Closes a master once it says it waits for the worker messages being handled (or has closed, when it did not wait),
 * then lets the write the test held back go on; resolves once the master is closed.
 */
export async function closeWhileHandling(master: { close(): Promise<void> }, lines: readonly LogLine[], release: () => void): Promise<void> {
  let closed = false;
  const closing = master.close().then(() => (closed = true));
  const waiting = () => lines.some((line) => line.msg === 'waiting for the worker messages being handled');
  await until(() => waiting() || closed, 'the master waiting on the messages being handled, or closed');
  release();
  await closing;
}
