// The fleet's logger: JSON lines for machines, pino-pretty for a person at a
// terminal when it is installed (it is only a devDependency). Pretty output
// drops the fields its message already says. Under a live status table, log
// lines are short text written above the table.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  if (!process.stdout.isTTY || !isInstalled('pino-pretty')) return pino({ level });
  return pino({
    level,
    transport: {
      target: 'pino-pretty',
      options: { ignore: 'pid,hostname,worker,from,to,status', messageFormat: '{if worker}[{worker}] {end}{msg}' },
    },
  });
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** A logger writing "12:03:04 WARN [headless-1] message" lines to `write` (e.g. a LiveTable's log). */
export function createTextLogger(write: (line: string) => void, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const text = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const json of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(json) as { time: number; level: number; worker?: string; msg?: string };
        const time = new Date(entry.time).toTimeString().slice(0, 8);
        write(`${time} ${LEVELS[entry.level] ?? entry.level} ${entry.worker ? `[${entry.worker}] ` : ''}${entry.msg ?? ''}\n`);
      }
      done();
    },
  });
  return pino({ level }, text);
}

function isInstalled(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}
