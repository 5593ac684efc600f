import { CloseCode, IDENTITY_CLOSE_CODES } from '../../../master/protocol.ts';
import type { SocketClose } from './connection.ts';
import type { WorkerSnapshot } from './status.ts';

/** What the close handling needs from the runtime, which keeps its state: the handling decides, the runtime acts. */
export interface SocketCloseHost {
  /** Between start() and stop(): only then is the planned retry shown. */
  isActive(): boolean;
  /** Drops the jobs queued on the page, which are no longer ours. */
  dropQueue(): void;
  update(patch: Partial<WorkerSnapshot>): void;
  /** Drops the identity the master refused, so that the next connect gets a new one. */
  forgetIdentity(): void;
  /** The master refused the fleet token: the runtime stops, as that is the operator's to fix. */
  stopOnRefusedFleetToken(reason: string): void;
}

/**
 * Answers a closed socket. Every lease it held went with it (the master takes them back), so the queued jobs are no
 * longer ours. When the master closed it refusing our identity, a revoked or unknown one is forgotten, and the next
 * connect gets a new one; a trusted one without the fleet token too. A fleet token the master does not take is the
 * operator's to fix: stop. An address issued too many new identities waits, saying why as it retries.
 */
export function handleSocketClose(host: SocketCloseHost, retryInMs: number | null, closedBy: SocketClose | null): void {
  host.dropQueue();
  if (closedBy?.code === CloseCode.badFleetToken) return host.stopOnRefusedFleetToken(closedBy.reason);
  if (closedBy && (IDENTITY_CLOSE_CODES.includes(closedBy.code) || closedBy.code === CloseCode.fleetTokenRequired)) {
    console.warn(`master refused this worker identity (${closedBy.code} ${closedBy.reason}): asking for a new one`);
    host.forgetIdentity();
    host.update({ workerId: null, workerClass: null, lastError: `master: ${closedBy.reason}` });
  }
  if (host.isActive() && retryInMs !== null) host.update({ state: 'connecting', ...retrying(retryInMs, closedBy) });
}

/**
 * What the page shows while it waits to reconnect: a problem that stays the same from try to try (the page's alert),
 * and a note with what changes at each (the wait; the master's reason when it is too many new identities, which
 * counts down too).
 */
function retrying(retryInMs: number, closedBy: SocketClose | null): Pick<WorkerSnapshot, 'lastError' | 'retryNote'> {
  const wait = `Retrying in ${(retryInMs / 1000).toFixed(1)} s.`;
  if (closedBy?.code === CloseCode.tooManyNewIdentities) {
    return { lastError: 'the master takes no new identity from this address for now', retryNote: `The master said: ${closedBy.reason}. ${wait}` };
  }
  return { lastError: 'no connection to the master', retryNote: wait };
}
