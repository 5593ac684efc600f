// What the end of a batch run needs from its files: how many there were, and each failure to list. A file that
// succeeded is counted and forgotten (its row is already in the results file), so a run holds its failures, not its files.
import type { FileOutcome } from './batch-submit.ts';

export interface Failure {
  path: string;
  error: string;
}

export class RunTally {
  files = 0;
  readonly failures: Failure[] = [];

  record(outcome: FileOutcome): void {
    this.files++;
    if (outcome.error !== null) this.failures.push({ path: outcome.path, error: outcome.error });
  }

  get succeeded(): number {
    return this.files - this.failures.length;
  }
}
