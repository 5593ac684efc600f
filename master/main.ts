// Starts the master from flags and environment; stops it cleanly on SIGINT/SIGTERM.
import { ConfigError, loadConfig } from './config.ts';
import { ModelError } from './model/model-error.ts';
import { startMaster } from './server.ts';
import { StoreUnavailableError } from './store/store-errors.ts';

try {
  const master = await startMaster(loadConfig(process.argv, process.env));
  const shutdown = () => {
    master.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  if (error instanceof ConfigError || error instanceof ModelError || error instanceof StoreUnavailableError) {
    console.error(`master: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
