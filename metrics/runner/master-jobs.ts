// Reads jobs back from the master's REST API: waits, within a bound, for the
// acknowledged ones to end, and finds jobs by the file name they were sent as.
import type { JobDetailView, JobPage, JobView } from '../../master/api-types.ts';
import { describeAnswer, isBusy, requestWithRetries, type RetryPolicy } from './retrying-request.ts';

const POLL_INTERVAL_MS = 250;
const PARALLEL_REQUESTS = 8;
const PAGE_SIZE = 500;
/** Reads wait out a busy master (429 or 503, after its Retry-After) or one that is away, each attempt within 10 s. */
const READ_POLICY: Omit<RetryPolicy, 'giveUpAfterMs'> = { attemptTimeoutMs: 10_000, backoffInitialMs: 250, backoffMaxMs: 5_000 };
/** Reads outside a wait's deadline (the last look at unfinished jobs, the list of all jobs) get this long. */
const READ_GIVE_UP_AFTER_MS = 60_000;

const terminal = (job: JobView) => job.status === 'done' || job.status === 'failed';

/**
 * Waits until each job is done or failed, or until `deadline` (epoch ms).
 * Returns the last view of every job; null for an id the master does not know.
 * Each look lists the unfinished jobs a page at a time rather than reading every pending job (the master limits
 * requests per address); a job reads its own detail (the timeline the records need) once it has left that list.
 */
export async function waitForJobs(
  masterUrl: string,
  ids: readonly string[],
  { deadline, onFinished = () => {} }: { deadline: number; onFinished?: (job: JobDetailView) => void },
): Promise<Map<string, JobDetailView | null>> {
  const last = new Map<string, JobDetailView | null>();
  const pending = new Set(ids);
  const readDetails = async (wanted: string[], giveUpAt: number) => {
    const views = await mapLimited(wanted, PARALLEL_REQUESTS, (id) => getJob(masterUrl, id, giveUpAt));
    wanted.forEach((id, i) => {
      const view = views[i];
      if (view === undefined) return; // not readable in time: looked at again
      last.set(id, view);
      if (view && !terminal(view)) return;
      pending.delete(id);
      if (view) onFinished(view);
    });
  };
  for (;;) {
    const unfinished = await unfinishedIds(masterUrl, deadline);
    if (unfinished)
      await readDetails(
        [...pending].filter((id) => !unfinished.has(id)),
        deadline,
      );
    if (pending.size === 0) return last;
    if (Date.now() >= deadline) {
      // The jobs still unfinished are returned as the master last showed them.
      await readDetails([...pending], Date.now() + READ_GIVE_UP_AFTER_MS);
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** The ids of every queued or leased job; null when the master could not be read before giveUpAt. */
async function unfinishedIds(masterUrl: string, giveUpAt: number): Promise<Set<string> | null> {
  const ids = new Set<string>();
  for (const status of ['queued', 'leased'] as const) {
    const jobs = await listJobs(masterUrl, giveUpAt, status);
    if (!jobs) return null;
    for (const job of jobs) ids.add(job.id);
  }
  return ids;
}

/** The job's detail; null if the master does not know it, undefined if it could not be read before giveUpAt. */
async function getJob(masterUrl: string, id: string, giveUpAt: number): Promise<JobDetailView | null | undefined> {
  return readJson<JobDetailView>(new URL(`/api/jobs/${encodeURIComponent(id)}`, masterUrl), giveUpAt);
}

/** The upload key a job was sent under: its file name is `<key>_<file>` (keys hold no "_"). */
export const uploadKey = (job: Pick<JobView, 'fileName'>) => job.fileName.slice(0, job.fileName.indexOf('_'));

/** Jobs beyond the first for each of `keys`: a retried upload the master took twice instead of replaying its 201. */
export function duplicateJobs(jobs: readonly Pick<JobView, 'fileName'>[], keys: Iterable<string>): number {
  const perKey = new Map<string, number>();
  for (const key of keys) perKey.set(key, 0);
  for (const job of jobs) {
    const key = uploadKey(job);
    const count = perKey.get(key);
    if (count !== undefined) perKey.set(key, count + 1);
  }
  return [...perKey.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
}

/** Every job the master holds, newest first, page by page. */
export async function listAllJobs(masterUrl: string): Promise<JobView[]> {
  const jobs = await listJobs(masterUrl, Date.now() + READ_GIVE_UP_AFTER_MS);
  if (!jobs) throw new Error(`cannot list the master's jobs within ${READ_GIVE_UP_AFTER_MS / 1000} s`);
  return jobs;
}

/** Every job (of one status, if given), page by page; null when a page could not be read before giveUpAt. */
async function listJobs(masterUrl: string, giveUpAt: number, status?: JobView['status']): Promise<JobView[] | null> {
  const jobs: JobView[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL('/api/jobs', masterUrl);
    url.searchParams.set('limit', String(PAGE_SIZE));
    if (status) url.searchParams.set('status', status);
    if (cursor) url.searchParams.set('cursor', cursor);
    const page = await readJson<JobPage>(url, giveUpAt);
    if (!page) return null;
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return jobs;
}

/**
 * GETs JSON, retrying a busy or absent master until giveUpAt: the body, null for 404, or undefined when
 * no answer came in time. Any other answer is a mistake in the request and throws.
 */
async function readJson<T>(url: URL, giveUpAt: number): Promise<T | null | undefined> {
  const answers = await requestWithRetries(url, () => ({}), { ...READ_POLICY, giveUpAfterMs: giveUpAt - Date.now() }, giveUpAt);
  const last = answers.at(-1)!;
  if (last.status === 200) return JSON.parse(last.text) as T;
  if (last.status === 404) return null;
  if (last.status === null || isBusy(last.status)) return undefined;
  throw new Error(`GET ${url.pathname}${url.search}: ${describeAnswer(last)}`);
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
