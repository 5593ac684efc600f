// Starts the master from flags and environment; stops it cleanly on SIGINT/SIGTERM.
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { ModelError } from './model/model-error.ts';
import { startMaster } from './server.ts';
import { StoreFileError, StoreUnavailableError } from './store/store-errors.ts';
import { DataDirInUseError } from './store/data-dir-lock.ts';

try {
  const config = loadConfig(process.argv, process.env);
  const log = createLogger(config.logLevel);
  const master = await startMaster(config, log);
  const shutdown = () => {
    master.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'master: could not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
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
