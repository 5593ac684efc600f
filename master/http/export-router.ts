// GET /api/jobs/export: every matching job as CSV or JSON lines, streamed page by
// page from the store. No page limit and constant memory: the next page is read
// only when the client has taken the last one (stream backpressure), and after
// other work has had its turn. HEAD reads none.
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate } from 'node:timers/promises';
import { Router } from 'express';
import type { JobPage, JobView } from '../api-types.ts';
import type { Logger } from '../log.ts';
import type { JobStore, ListQuery } from '../store/job-store.ts';
import { visibleOwner, type Board } from './job-access.ts';
import { csvWriter, JOB_COLUMNS, jobRow } from './job-rows.ts';
import { ExportQuery, parseQuery, type ExportFormat } from './queries.ts';
import type { Requesters } from './requester.ts';

/** Jobs read from the store per request to it. */
const EXPORT_PAGE = 200;

const CONTENT_TYPE: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', jsonl: 'application/jsonl; charset=utf-8' };

export function exportRouter(store: JobStore, log: Logger, requesters: Requesters, board: Board): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const { status, since, format } = parseQuery(ExportQuery, req);
    // On a private board, the requester's own jobs (every job for the admin; none without credentials).
    const owner = visibleOwner(requesters.of(req), board);
    const query = { status, owner: owner ?? undefined, limit: EXPORT_PAGE };
    const headers = {
      'Content-Type': CONTENT_TYPE[format],
      'Content-Disposition': `attachment; filename="jobs${status ? `-${status}` : ''}.${format}"`,
      'Cache-Control': 'no-store',
    };
    // HEAD: the headers, and no job read. Node drops what is written to a HEAD answer, so streaming it would read
    // every page as fast as the store gives them, with no client to hold it back.
    if (req.method === 'HEAD') return void res.set(headers).end();
    // The first page is read before the headers go out, so a store that is away still gets a proper 503.
    const first = owner === null ? { jobs: [], nextCursor: null } : await store.list(query);
    const jobs = Readable.from(matchingJobs(store, first, query, since === undefined ? undefined : Date.parse(since)));
    res.set(headers);
    try {
      if (format === 'csv') await pipeline(jobs, toRows(), csvWriter(JOB_COLUMNS), res);
      else await pipeline(jobs, toJsonLines(), res);
    } catch (error) {
      // The headers are gone, so the pipeline's cut-off response is all the client learns; a client that left is no news.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log.warn({ err: error }, 'export ended early');
    }
  });
  return router;
}

/** Newest first, a page at a time; with `since`, stops at the first job submitted before it. */
async function* matchingJobs(store: JobStore, first: JobPage, query: ListQuery, since: number | undefined): AsyncGenerator<JobView> {
  let page = first;
  for (;;) {
    for (const job of page.jobs) {
      if (since !== undefined && Date.parse(job.submittedAt) < since) return;
      yield job;
    }
    if (page.nextCursor === null) return;
    // A client that takes the pages as fast as they come never holds the stream back: give other work its turn.
    await setImmediate();
    page = await store.list({ ...query, cursor: page.nextCursor });
  }
}

const toRows = () => new Transform({ objectMode: true, transform: (job: JobView, _encoding, done) => done(null, jobRow(job)) });

const toJsonLines = () => new Transform({ writableObjectMode: true, transform: (job: JobView, _encoding, done) => done(null, `${JSON.stringify(job)}\n`) });
