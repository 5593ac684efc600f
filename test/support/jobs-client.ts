// A small REST client for tests: submit images, read jobs, wait for outcomes.
import fs from 'node:fs';
import path from 'node:path';
import type { JobDetailView } from '../../master/api-types.ts';

export interface Upload {
  name: string;
  bytes: Uint8Array;
}

export const uploadsFrom = (paths: string[]): Upload[] => paths.map((file) => ({ name: path.basename(file), bytes: fs.readFileSync(file) }));

/** Submits in requests of at most 50 images (the master's per-request limit is 100 by default). */
export async function submit(masterUrl: string, uploads: Upload[], headers: Record<string, string> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < uploads.length; i += 50) ids.push(...(await submitOnce(masterUrl, uploads.slice(i, i + 50), headers)));
  return ids;
}

async function submitOnce(masterUrl: string, uploads: Upload[], headers: Record<string, string>): Promise<string[]> {
  const form = new FormData();
  for (const upload of uploads) form.append('image', new Blob([new Uint8Array(upload.bytes)]), upload.name);
  const response = await fetch(`${masterUrl}/api/jobs`, { method: 'POST', body: form, headers });
  if (response.status !== 201) throw new Error(`submit answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { jobs: { id: string }[] }).jobs.map((job) => job.id);
}

/** One request per image (so that, with the queue in partitions, they take them in turn): the status of each, and the ids of those accepted. */
export async function submitEach(masterUrl: string, images: Upload[]): Promise<{ statuses: number[]; ids: string[] }> {
  const statuses: number[] = [];
  const ids: string[] = [];
  for (const { name, bytes } of images) {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(bytes)]), name);
    const response = await fetch(`${masterUrl}/api/jobs`, { method: 'POST', body: form });
    statuses.push(response.status);
    const body = (await response.json()) as { jobs?: { id: string }[] };
    if (response.status === 201) ids.push(...body.jobs!.map((job) => job.id));
  }
  return { statuses, ids };
}

/** A new owner (POST /api/owner): the headers that submit as it, and may then delete and retry its jobs. */
export async function newOwner(masterUrl: string): Promise<Record<string, string>> {
  const response = await fetch(`${masterUrl}/api/owner`, { method: 'POST' });
  if (response.status !== 201) throw new Error(`POST /api/owner answered ${response.status}: ${await response.text()}`);
  return { Authorization: `Bearer ${((await response.json()) as { ownerKey: string }).ownerKey}` };
}

export const getJob = (masterUrl: string, id: string) => fetch(`${masterUrl}/api/jobs/${id}`).then((r) => r.json()) as Promise<JobDetailView>;

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Requests at once when polling many jobs: a client that opened one connection per job would meet MAX_CONNECTIONS_PER_ADDRESS. */
const POLL_CONCURRENCY = 8;

/** Waits until every job is done or failed, and returns them (only unfinished ones are asked again). */
export async function settled(masterUrl: string, ids: string[], timeoutMs: number): Promise<JobDetailView[]> {
  const jobs = new Map<string, JobDetailView>();
  const finished = (job: JobDetailView | undefined) => job?.status === 'done' || job?.status === 'failed';
  await until(
    async () => {
      const pending = ids.filter((id) => !finished(jobs.get(id)));
      for (let i = 0; i < pending.length; i += POLL_CONCURRENCY) {
        const batch = await Promise.all(pending.slice(i, i + POLL_CONCURRENCY).map((id) => getJob(masterUrl, id)));
        for (const job of batch) jobs.set(job.id, job);
      }
      return ids.every((id) => finished(jobs.get(id)));
    },
    `${ids.length} jobs to finish`,
    timeoutMs,
  );
  return ids.map((id) => jobs.get(id)!);
}
