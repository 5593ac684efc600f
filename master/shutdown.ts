// Stops the master on SIGINT/SIGTERM within SHUTDOWN_TIMEOUT_MS: a store that never answers must not keep the process
// alive until a service manager kills it without a word. A second signal stops it at once.
import type { Logger } from './log.ts';

export interface Closing {
  close(): Promise<void>;
  /** What close() is waiting for now (its step). */
  closeStep(): string;
}

export interface ShutdownOptions {
  timeoutMs: number;
  log: Logger;
  exit: (code: number) => void;
}

/** The status a shell gives a process a signal ended (128 + its number), so a cut-short stop reads as one killed. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/** Returns what to call on each stop signal: the first closes the master, a second one exits without waiting. */
export function stopOnSignals(master: Closing, { timeoutMs, log, exit }: ShutdownOptions): (signal: StopSignal) => void {
  let stopping = false;
  return (signal) => {
    if (stopping) {
      log.error({ signal, waitingFor: master.closeStep() }, 'master: shutdown cut short by a second signal');
      exit(SIGNAL_EXIT_CODES[signal]);
      return;
    }
    stopping = true;
    log.info({ signal, timeoutMs }, 'master: stopping');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs, waitingFor: master.closeStep() }, 'master: shutdown did not finish within SHUTDOWN_TIMEOUT_MS');
      exit(1);
    }, timeoutMs);
    master.close().then(
      () => {
        clearTimeout(deadline);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        log.error({ err: error }, 'master: could not stop cleanly');
        exit(1);
      },
    );
  };
}
