// Figures npm run bench:scale derives from what it counted: fairness across
// workers, and how many times each job was reported finished.

/** Jain's fairness index (Σx)² / (n·Σx²): 1 when every worker got as many jobs, 1/n when one got them all; NaN with no jobs. */
export function jainIndex(values: readonly number[]): number {
  let sum = 0;
  let squares = 0;
  for (const x of values) {
    sum += x;
    squares += x * x;
  }
  return squares === 0 ? Number.NaN : (sum * sum) / (values.length * squares);
}

/** The smallest of `values`, undefined with none; a loop, as Math.min(...values) overflows the stack past ~125,000. */
export function minOf(values: Iterable<number>): number | undefined {
  let min: number | undefined;
  for (const value of values) if (min === undefined || value < min) min = value;
  return min;
}

/** The largest of `values`, undefined with none; a loop, as Math.max(...values) overflows the stack past ~125,000. */
export function maxOf(values: Iterable<number>): number | undefined {
  let max: number | undefined;
  for (const value of values) if (max === undefined || value > max) max = value;
  return max;
}

export interface Fairness {
  workers: number;
  jobs: number;
  mean: number;
  min: number;
  max: number;
  /** Workers that got no job at all. */
  idleWorkers: number;
  jain: number;
  /**
   * Jain's index expected if every job went to a worker drawn at random (jobs per worker then Poisson with mean m):
   * m / (m + 1). With few jobs per worker even a fair random deal stays well under 1; a round-robin deal reaches 1.
   */
  jainIfRandom: number;
  /** The highest index these jobs allow over these workers (dealt as evenly as whole jobs go: below 1 when they do not divide). */
  jainBest: number;
}

export function fairness(jobsPerWorker: readonly number[]): Fairness {
  const jobs = jobsPerWorker.reduce((a, b) => a + b, 0);
  const mean = jobs / (jobsPerWorker.length || Number.NaN);
  return {
    workers: jobsPerWorker.length,
    jobs,
    mean,
    min: minOf(jobsPerWorker) ?? Number.NaN,
    max: maxOf(jobsPerWorker) ?? Number.NaN,
    idleWorkers: jobsPerWorker.filter((x) => x === 0).length,
    jain: jainIndex(jobsPerWorker),
    jainIfRandom: mean / (mean + 1),
    jainBest: bestJain(jobs, jobsPerWorker.length),
  };
}

/** Jain's index of `jobs` dealt as evenly as possible over `workers`: some get one more than the others. */
export function bestJain(jobs: number, workers: number): number {
  const each = Math.floor(jobs / workers);
  const more = jobs % workers;
  return jainIndex([...Array<number>(more).fill(each + 1), ...Array<number>(workers - more).fill(each)]);
}

/** How the jobs a run submitted were reported finished: each once, never (missing), or more than once (doubled). */
export interface Finished {
  jobs: number;
  /** Jobs reported completed at least once. */
  completedJobs: number;
  /** Completed transitions reported for them, all told (equal to completedJobs when none was finished twice). */
  completedEvents: number;
  missing: number;
  doubled: number;
}

export function finished(jobIds: readonly string[], completions: (jobId: string) => number): Finished {
  let completedJobs = 0;
  let completedEvents = 0;
  let doubled = 0;
  for (const id of jobIds) {
    const n = completions(id);
    completedEvents += n;
    if (n > 0) completedJobs += 1;
    if (n > 1) doubled += 1;
  }
  return { jobs: jobIds.length, completedJobs, completedEvents, missing: jobIds.length - completedJobs, doubled };
}

/** `total` split into `parts` shares differing by at most one, the larger first. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
