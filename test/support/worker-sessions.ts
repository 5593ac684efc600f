// A worker session over a socket of the test's own, always open, for the pure-logic tests of what a session holds.
import type { WebSocket } from 'ws';
import { RefusalLimiter } from '../../master/hub/refusal-limiter.ts';
import { WorkerSession } from '../../master/hub/worker-session.ts';
import { PROTOCOL_VERSION, type WorkerClass } from '../../master/protocol.ts';

const openSocket = { OPEN: 1, readyState: 1, send: () => undefined } as unknown as WebSocket;

export function newSession(id = 'session-1', workerClass: WorkerClass = 'volunteer'): WorkerSession {
  return new WorkerSession(
    id,
    { type: 'hello', protocol: PROTOCOL_VERSION, name: 'tab', kind: 'volunteer', backend: 'wasm', model: 'model', credit: 4 },
    openSocket,
    () => undefined,
    { identity: { workerId: `worker-${id}`, token: 'x'.repeat(43) }, workerClass, network: '127.0.0.0/24' },
    new RefusalLimiter(10, 1_000),
    () => undefined,
    () => 4,
  );
}

/** A job leased to a session: `bytes` of image. */
export const leaseOf = (jobId: string, leaseId: string, bytes = 100) => ({
  jobId,
  leaseId,
  contentType: 'image/jpeg',
  image: new Uint8Array(bytes),
  attempt: 1,
});
