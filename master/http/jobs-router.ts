// /api/jobs: submit images, read jobs and their images, delete, retry; who may do which is job-access.ts's.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { JobView } from '../api-types.ts';
import type { Config } from '../config.ts';
import type { ImagePreparer } from '../images/prepared-image.ts';
import type { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { Logger } from '../log.ts';
import type { JobStore, NewJob } from '../store/job-store.ts';
import { requireAdmin } from './admin.ts';
import { HttpError } from './errors.ts';
import { ImageSends } from './image-sends.ts';
import { requestClient } from './client-address.ts';
import { holdWhile } from './hold-until-closed.ts';
import { checkImage, type ImageCheck } from './image-types.ts';
import { checkMayChange, maySee, submitter, visibleOwner } from './job-access.ts';
import { idempotencyKey, jobListQuery, parseQuery } from './queries.ts';
import { giveOwnerCookie, type Requesters } from './requester.ts';
import { imageUpload } from './upload.ts';

export interface JobsDeps {
  /** Reads only: every change goes through the lifecycle. */
  store: JobStore;
  lifecycle: JobLifecycle;
  config: Config;
  /** Run before an upload's body is read: the caps on uploads in flight and on slow bodies. */
  uploadGuards: RequestHandler[];
  requesters: Requesters;
  /** Makes the small image workers receive; its decode is the upload's check that the image decodes. */
  preparer: ImagePreparer;
  log: Logger;
}

export function jobsRouter({ store, lifecycle, config, uploadGuards, requesters, preparer, log }: JobsDeps): Router {
  const router = Router();
  const upload = imageUpload(config.dataDir, config);
  const board = config.board;
  const listQuery = jobListQuery(config.maxJobsPage);
  const imageSends = new ImageSends(config);

  /** The job, if the requester may change it (401 without credentials, 403 for another's job it may see). */
  async function changeableJob(req: Request) {
    const requester = requesters.of(req);
    const id = String(req.params.id);
    const job = await store.get(id);
    // On a private board another's job does not exist: a 401 or 403 for it beside a 404 for a spot check's id (never
    // stored) would tell a volunteer which of the ids it was given are real jobs.
    if (job === null || !maySee(requester, job.owner, board)) throw unknownJob(id);
    checkMayChange(requester, job);
    return job;
  }

  // Credentials, the Idempotency-Key and Private-Job are judged before the body is read: a refusal they earn costs no upload.
  const judgeHeaders: RequestHandler = (req, res, next) => {
    res.locals.submitter = submitter(requesters.of(req), requesters.ownerKeys, requesters.keysRequired);
    res.locals.idempotencyKey = idempotencyKey(req);
    checkPrivateFlag(req.get('Private-Job'));
    next();
  };

  // The upload's slot (upload-slots.ts) is kept until its images are checked and stored, even if its client hangs up:
  // a decode under way cannot be stopped.
  router.post('/', judgeHeaders, ...uploadGuards, upload, (req, res) => holdWhile(res, acceptUpload(req, res)));

  async function acceptUpload(req: Request, res: Response): Promise<void> {
    // A client that left before its upload was looked at is owed nothing: none of its images is decoded.
    if (res.destroyed) throw new Error('its client left before its images were checked');
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    if (files.length === 0) {
      throw new HttpError(400, 'no-file', 'attach at least one image in the multipart field "image"');
    }
    const trustedOnly = isPrivate(req);
    const jobs: NewJob[] = [];
    // Every file is judged before any is stored: one refusal refuses the whole request.
    for (const file of files) {
      const image = await checkImage(file.path, config, preparer);
      if (!image.ok) {
        // The master's failure, not the uploader's: worth a line in the log.
        if (image.code === 'preparation-failed') log.error({ fileName: file.originalname, problem: image.problem }, 'could not prepare an upload');
        throw new HttpError(IMAGE_REFUSAL_STATUS[image.code], image.code, `"${file.originalname}" ${image.problem}; nothing was stored`);
      }
      jobs.push({
        fileName: file.originalname,
        contentType: image.contentType,
        image: { path: file.path, size: file.size },
        prepared: image.prepared,
        trustedOnly,
      });
    }
    const { owner, newKey } = res.locals.submitter as ReturnType<typeof submitter>;
    const created = await lifecycle.submit(jobs, res.locals.idempotencyKey as string | undefined, owner);
    // A new owner's key is shown once: in the answer for scripts, in a cookie for browsers.
    if (newKey) giveOwnerCookie(req, res, newKey);
    res
      .status(201)
      .set('Idempotent-Replayed', String(created.replayed))
      .json({ jobs: created.jobs, ...(newKey && { ownerKey: newKey }) });
  }

  router.get('/', async (req, res) => {
    const query = parseQuery(listQuery, req);
    const owner = visibleOwner(requesters.of(req), board);
    res.json(owner === null ? { jobs: [], nextCursor: null } : await store.list({ ...query, owner }));
  });

  router.delete('/', requireAdmin(config.adminToken), async (_req, res) => {
    res.json({ deleted: await lifecycle.clear() });
  });

  router.get('/:id', async (req, res) => {
    const requester = requesters.of(req);
    const detail = found(await store.getDetail(req.params.id), req.params.id);
    // On a private board, another owner's job does not exist for the requester.
    if (!maySee(requester, detail.owner, board)) throw unknownJob(detail.id);
    res.json(detail);
  });

  router.get('/:id/image', async (req, res) => {
    const requester = requesters.of(req);
    const job = found(await store.get(req.params.id), req.params.id);
    // On a private board, another owner's job does not exist for the requester.
    if (!maySee(requester, job.owner, board)) throw unknownJob(job.id);
    if (job.imageExpiredAt) throw imageExpired(job, 410, `its result is kept: GET /api/jobs/${job.id}`);
    // A job's image never changes (ids are never reused), so its id names it: no hashing megabytes per request.
    res.set('ETag', `"${job.id}"`);
    if (req.fresh) return void res.status(304).set(IMAGE_HEADERS).end();
    // HEAD: the job says the type and length. Node drops a HEAD answer's body, so reading the image (and counting its
    // bytes against the budget of images being sent) would be for nothing.
    if (req.method === 'HEAD')
      return void res
        .type(job.contentType)
        .set({ ...IMAGE_HEADERS, 'Content-Length': String(job.size) })
        .end();
    res.removeHeader('ETag');
    // Its bytes are counted before they are read, so a crowd of requests reads no more than the budget at once.
    const sending = imageSends.reserve(res, job.size, requestClient(req));
    // A client gone while the job was looked up holds nothing and is read nothing; one that leaves during the read
    // holds its share until the read has ended.
    if (res.destroyed) return;
    const image = await holdWhile(res, store.image(job.id));
    if (!image) {
      // Gone meanwhile: the job (404), or only its image (410).
      const now = found(await store.get(job.id), job.id);
      if (now.imageExpiredAt) throw imageExpired(now, 410, `its result is kept: GET /api/jobs/${now.id}`);
      throw unknownJob(job.id);
    }
    res.type(image.contentType).set({ ...IMAGE_HEADERS, ETag: `"${job.id}"` });
    sending.send(image.bytes);
  });

  router.delete('/:id', async (req, res) => {
    const job = await changeableJob(req);
    if (!(await lifecycle.cancel(job.id))) throw unknownJob(job.id);
    res.status(204).end();
  });

  router.post('/:id/retry', async (req, res) => {
    const job = await changeableJob(req);
    if (job.status !== 'failed') throw new HttpError(409, 'not-failed', `job ${job.id} is ${job.status}; only failed jobs can be retried`);
    if (job.imageExpiredAt) throw imageExpired(job, 409, NOTHING_TO_RETRY);
    const retried = await lifecycle.retry(job.id);
    if ('job' in retried) return void res.json(retried.job);
    // The store refused, saying why: the job was deleted or changed meanwhile, or its image expired just now or is gone.
    if (retried.refused === 'not-found') throw unknownJob(job.id);
    if (retried.refused === 'image-missing') throw imageMissing(job);
    // `job` was read before retention deleted its image, so its imageExpiredAt is null and the answer says "just now".
    if (retried.refused === 'image-expired') throw imageExpired(job, 409, NOTHING_TO_RETRY);
    throw new HttpError(409, 'not-failed', `job ${job.id} changed while retrying; look again`);
  });

  return router;
}

/** A private submission (form field `private` or header `Private-Job`, "true" or "false") goes to trusted workers only. */
function isPrivate(req: Request): boolean {
  const field: unknown = (req.body as Record<string, unknown> | undefined)?.private;
  const given = [field, req.get('Private-Job')].filter((value) => value !== undefined);
  for (const value of given) checkPrivateFlag(value);
  return given.includes('true');
}

function checkPrivateFlag(value: unknown): void {
  if (value !== undefined && value !== 'true' && value !== 'false') {
    throw new HttpError(400, 'bad-private-flag', 'the form field "private" and the header Private-Job take "true" or "false"');
  }
}

const IMAGE_REFUSAL_STATUS: Record<Extract<ImageCheck, { ok: false }>['code'], number> = {
  'not-an-image': 415,
  'image-too-large': 422,
  'undecodable-image': 422,
  'preparation-failed': 500,
};

/** An image is served as itself, never run as a page, and cached by the client alone. */
const IMAGE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'",
  'Cache-Control': 'private, max-age=86400, immutable',
};

const unknownJob = (id: string) => new HttpError(404, 'job-not-found', `no job with id ${id}`);

/** A job kept without its image (retention, master/lifecycle/retention.ts): 410 for the image, 409 for a retry. */
const imageExpired = (job: JobView, status: 410 | 409, then: string) =>
  new HttpError(
    status,
    'image-expired',
    `the image of job ${job.id} was deleted ${job.imageExpiredAt ? `at ${job.imageExpiredAt}` : 'just now'}, a while after the job ended (images are kept only for a time); ${then}`,
  );

const NOTHING_TO_RETRY = 'there is nothing left to retry it on; submit the image again';

/** A failed job whose stored image is gone (LeaseWithoutImage): retried, it would only fail again. */
const imageMissing = (job: JobView) =>
  new HttpError(
    409,
    'image-missing',
    `the image of job ${job.id} is gone from the master's storage (removed by hand, or lost to a damaged disk), so there is nothing to retry it on; submit the image again`,
  );

function found<T>(value: T | null, id: string): T {
  if (value === null) throw unknownJob(id);
  return value;
}
