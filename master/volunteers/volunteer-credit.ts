// Turns what workers do into volunteer credit: each accepted result adds one image and its compute
// time to the volunteer the worker named in its hello. The ledger is bookkeeping beside the jobs:
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
    const { volunteerId, browser = 'other' } = session.hello;
    if (!volunteerId) return;
    this.ledger
      .record({ volunteerId, browser, backend: result.backend, computeMs: result.inferenceMs })
      .catch((error: unknown) => this.log.warn({ err: error, worker: session.hello.name }, 'could not credit a volunteer'));
  }

  rename(session: WorkerSession): void {
    const { volunteerId } = session.hello;
    if (!volunteerId) return;
    this.ledger
      .setDisplayName(volunteerId, session.displayName)
      .catch((error: unknown) => this.log.warn({ err: error, worker: session.hello.name }, 'could not store a display name'));
  }
}
