// Turns what workers do into volunteer credit: each accepted result adds one image and its compute
// time to the identity the master issued the worker (proved by its signed token, so nobody can
// claim another's credit by naming it). The operator's trusted fleet earns none. The ledger is bookkeeping beside the jobs:
// if it cannot be written (Redis away), the job is still done and the miss is logged.
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import type { ResultMessage } from '../protocol.ts';
import type { VolunteerLedger } from './volunteer-ledger.ts';

export class VolunteerCredit {
  constructor(
    private readonly ledger: VolunteerLedger,
    private readonly log: Logger,
  ) {}

  accepted(session: WorkerSession, result: ResultMessage): void {
    const volunteerId = this.volunteerOf(session);
    if (!volunteerId) return;
    const { browser = 'other' } = session.hello;
    this.ledger
      .record({ volunteerId, browser, backend: result.backend, computeMs: result.inferenceMs })
      .catch((error: unknown) => this.log.warn({ err: error, worker: session.hello.name }, 'could not credit a volunteer'));
  }

  rename(session: WorkerSession): void {
    const volunteerId = this.volunteerOf(session);
    if (!volunteerId) return;
    this.ledger
      .setDisplayName(volunteerId, session.displayName)
      .catch((error: unknown) => this.log.warn({ err: error, worker: session.hello.name }, 'could not store a display name'));
  }

  private volunteerOf(session: WorkerSession): string | null {
    return session.workerClass === 'volunteer' ? session.identity.workerId : null;
  }
}
