// The fleet's logger: JSON lines for machines, pino-pretty for a person at a
// terminal when it is installed (it is only a devDependency). Pretty output
// drops the fields its message already says.
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

function isInstalled(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}
