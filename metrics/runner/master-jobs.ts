// Reads jobs back from the master's REST API: waits, within a bound, for the
// acknowledged ones to end, and finds jobs by the file name they were sent as.
import type { JobDetailView, JobPage, JobView } from '../../master/api-types.ts';

const POLL_INTERVAL_MS = 250;
const PARALLEL_REQUESTS = 8;
const PAGE_SIZE = 500;

const terminal = (job: JobView) => job.status === 'done' || job.status === 'failed';

/**
 * Polls each job until it is done or failed, or until `deadline` (epoch ms).
 * Returns the last view of every job; null for an id the master does not know.
 */
export async function waitForJobs(
  masterUrl: string,
  ids: readonly string[],
  { deadline, onFinished = () => {} }: { deadline: number; onFinished?: (job: JobDetailView) => void },
): Promise<Map<string, JobDetailView | null>> {
  const last = new Map<string, JobDetailView | null>();
  let pending = [...ids];
  for (;;) {
    const views = await mapLimited(pending, PARALLEL_REQUESTS, (id) => getJob(masterUrl, id));
    pending.forEach((id, i) => {
      const view = views[i]!;
      last.set(id, view);
      if (view && terminal(view)) onFinished(view);
    });
    pending = pending.filter((id) => {
      const view = last.get(id);
      return view !== null && !terminal(view!);
    });
    if (pending.length === 0 || Date.now() >= deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function getJob(masterUrl: string, id: string): Promise<JobDetailView | null> {
  const response = await fetch(new URL(`/api/jobs/${encodeURIComponent(id)}`, masterUrl));
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET /api/jobs/${id} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as JobDetailView;
}

/** Every job the master holds, newest first, page by page. */
export async function listAllJobs(masterUrl: string): Promise<JobView[]> {
  const jobs: JobView[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL('/api/jobs', masterUrl);
    url.searchParams.set('limit', String(PAGE_SIZE));
    if (cursor) url.searchParams.set('cursor', cursor);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url.pathname}${url.search} answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as JobPage;
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return jobs;
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
