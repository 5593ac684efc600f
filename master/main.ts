// Starts the master from flags and environment; stops it cleanly on SIGINT/SIGTERM (shutdown.ts).
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { ModelError } from './model/model-error.ts';
import { startMaster } from './server.ts';
import { stopOnSignals } from './shutdown.ts';
import { StoreFileError, StoreUnavailableError } from './store/store-errors.ts';
import { DataDirInUseError } from './store/data-dir-lock.ts';

try {
  const config = loadConfig(process.argv, process.env);
  const log = createLogger(config.logLevel);
  const master = await startMaster(config, log);
  const stop = stopOnSignals(master, { timeoutMs: config.shutdownTimeoutMs, log, exit: (code) => process.exit(code) });
  // on, not once: a second signal must reach stop too, to say the shutdown was cut short.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof ModelError ||
    error instanceof StoreUnavailableError ||
    error instanceof DataDirInUseError ||
    error instanceof StoreFileError
  ) {
    console.error(`master: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
