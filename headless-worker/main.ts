// `npm run fleet -- --master http://127.0.0.1:5000 --workers N`
import { parseCliOptions } from './cli-options.ts';
import { startFleet, type Fleet } from './fleet.ts';
import { createLogger } from './logger.ts';

const options = parseCliOptions(process.argv.slice(2));
const logger = createLogger();

let fleet: Fleet;
try {
  fleet = startFleet({
    masterUrl: options.master,
    workers: options.workers,
    browser: options.browser,
    executablePath: options.browser === 'firefox' ? options.firefox : options.chromium,
    namePrefix: options.name,
    extraArgs: options.browserArg,
    statusIntervalMs: options.statusInterval * 1_000,
    logger,
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
