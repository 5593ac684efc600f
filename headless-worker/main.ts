// `npm run fleet -- --master http://127.0.0.1:5000 --workers N`
import { parseCliOptions } from './cli-options.ts';
import { startFleet, type Fleet, type FleetOptions } from './fleet.ts';
import { LiveTable } from './live-table.ts';
import { createLogger, createTextLogger } from './logger.ts';
import { formatStatusTable } from './status-report.ts';

/** At a terminal the status table is a display, not a log: it redraws every second. */
const TABLE_REDRAW_MS = 1_000;

const options = parseCliOptions(process.argv.slice(2));
const atTerminal = process.stdout.isTTY && options.statusInterval > 0;
const table = atTerminal ? new LiveTable(process.stdout) : null;
const logger = table ? createTextLogger((line) => table.log(line)) : createLogger();
const report: Pick<FleetOptions, 'statusIntervalMs' | 'onReport'> = table
  ? { statusIntervalMs: TABLE_REDRAW_MS, onReport: (statuses) => table.draw(formatStatusTable(statuses)) }
  : { statusIntervalMs: options.statusInterval * 1_000 };

let fleet: Fleet;
try {
  fleet = startFleet({
    masterUrl: options.master,
    workers: options.workers,
    browser: options.browser,
    executablePath: options.browser === 'firefox' ? options.firefox : options.chromium,
    namePrefix: options.name,
    extraArgs: options.browserArg,
    ...(options.fleetToken ? { fleetToken: options.fleetToken } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    ...report,
    logger,
    // The fleet has stopped by itself and said why.
    onFatal: () => process.exit(1),
  });
} catch (err) {
  logger.fatal(err instanceof Error ? err.message : String(err));
  logger.flush();
  process.exit(1);
}

let shuttingDown = false;
async function shutDown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info(`${signal}: closing all browsers`);
  await fleet.stop();
  process.exit(0);
}
process.on('SIGINT', (signal) => void shutDown(signal));
process.on('SIGTERM', (signal) => void shutDown(signal));
// The terminal closing: left to its default, the fleet would die at once and leave its browsers' profiles behind.
process.on('SIGHUP', (signal) => void shutDown(signal));
