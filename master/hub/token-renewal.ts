// A page's token is renewed at each hello; one that stays connected a quarter of IDENTITY_TOKEN_MAX_AGE_MS is sent a
// fresh token with a heartbeat, so it never holds an expired one, and its identity is noted as seen (kept by retention).
import type { WorkerIdentities } from '../identity/worker-identities.ts';
import type { Logger } from '../log.ts';
import type { WorkerSession } from './worker-session.ts';

export class TokenRenewal {
  /** Sessions whose renewal is under way: one at a time each. */
  private readonly renewing = new WeakSet<WorkerSession>();

  constructor(
    private readonly identities: WorkerIdentities,
    private readonly log: Logger,
  ) {}

  /** Renews the session's token when it is due, sending the fresh one with a heartbeat. */
  renewIfDue(session: WorkerSession): void {
    if (this.renewing.has(session) || !this.identities.renewalDue(session.identity)) return;
    this.renewing.add(session);
    this.identities
      .renew(session.identity.workerId, session.workerClass)
      .then(
        (identity) => {
          session.identity = identity;
          session.send({ type: 'heartbeat', identity });
        },
        // The store away: the next heartbeat tries again.
        (error: unknown) => this.log.debug({ err: error, worker: session.hello.name }, 'could not renew a worker token'),
      )
      .finally(() => this.renewing.delete(session));
  }
}
