// Key names for plain reads; the same names as in job-lib.lua, which documents each.
import type { JobStatus } from '../../api-types.ts';

export class RedisKeys {
  constructor(readonly prefix: string) {}

  job(id: string): string {
    return `${this.prefix}job:${id}`;
  }

  image(id: string): string {
    return `${this.prefix}image:${id}`;
  }

  attempts(id: string): string {
    return `${this.prefix}attempts:${id}`;
  }

  /** Every job, or those in one status, scored by submission order. */
  jobs(status?: JobStatus): string {
    return status ? `${this.prefix}status:${status}` : `${this.prefix}jobs`;
  }
}
