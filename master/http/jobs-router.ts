// /api/jobs: submit images, read jobs and their images, delete, retry.
import { Router, type Request, type RequestHandler } from 'express';
import type { Config } from '../config.ts';
import type { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { JobStore, NewJob } from '../store/job-store.ts';
import { requireAdmin } from './admin.ts';
import { HttpError } from './errors.ts';
import { checkImage, type ImageCheck } from './image-types.ts';
import { JobListQuery, parseQuery } from './queries.ts';
import { imageUpload } from './upload.ts';

export interface JobsDeps {
  /** Reads only: every change goes through the lifecycle. */
  store: JobStore;
  lifecycle: JobLifecycle;
  config: Config;
  /** Run before an upload's body is read: the caps on uploads in flight and on slow bodies. */
  uploadGuards: RequestHandler[];
}

export function jobsRouter({ store, lifecycle, config, uploadGuards }: JobsDeps): Router {
  const router = Router();
  const upload = imageUpload(config);

  router.post('/', ...uploadGuards, upload, async (req, res) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    if (files.length === 0) {
      throw new HttpError(400, 'no-file', 'attach at least one image in the multipart field "image"');
    }
    const jobs: NewJob[] = [];
    // Every file is judged before any is stored: one refusal refuses the whole request.
    for (const file of files) {
      const image = await checkImage(file.buffer, config);
      if (!image.ok) throw new HttpError(IMAGE_REFUSAL_STATUS[image.code], image.code, `"${file.originalname}" ${image.problem}; nothing was stored`);
      jobs.push({ fileName: file.originalname, contentType: image.contentType, image: file.buffer });
    }
    const created = await lifecycle.submit(jobs, idempotencyKey(req));
    res.status(201).set('Idempotent-Replayed', String(created.replayed)).json({ jobs: created.jobs });
  });

  router.get('/', async (req, res) => {
    res.json(await store.list(parseQuery(JobListQuery, req)));
  });

  router.delete('/', requireAdmin(config.adminToken), async (_req, res) => {
    res.json({ deleted: await lifecycle.clear() });
  });

  router.get('/:id', async (req, res) => {
    res.json(found(await store.getDetail(req.params.id), req.params.id));
  });

  router.get('/:id/image', async (req, res) => {
    const image = found(await store.image(req.params.id), req.params.id);
    res
      .type(image.contentType)
      .set({
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'",
        'Cache-Control': 'private, max-age=86400, immutable',
      })
      .send(Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength));
  });

  router.delete('/:id', requireAdmin(config.adminToken, { openWithoutToken: true }), async (req, res) => {
    const id = String(req.params.id);
    if (!(await lifecycle.cancel(id))) throw unknownJob(id);
    res.status(204).end();
  });

  router.post('/:id/retry', async (req, res) => {
    const job = found(await store.get(req.params.id), req.params.id);
    if (job.status !== 'failed') throw new HttpError(409, 'not-failed', `job ${job.id} is ${job.status}; only failed jobs can be retried`);
    const retried = await lifecycle.retry(job.id);
    if (!retried) throw new HttpError(409, 'not-failed', `job ${job.id} changed while retrying; look again`);
    res.json(retried);
  });

  return router;
}

function idempotencyKey(req: Request): string | undefined {
  const key = req.get('Idempotency-Key');
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 200) throw new HttpError(400, 'bad-idempotency-key', 'Idempotency-Key must be 1 to 200 characters');
  return key;
}

const IMAGE_REFUSAL_STATUS: Record<Extract<ImageCheck, { ok: false }>['code'], number> = {
  'not-an-image': 415,
  'image-too-large': 422,
  'undecodable-image': 422,
};

const unknownJob = (id: string) => new HttpError(404, 'job-not-found', `no job with id ${id}`);

function found<T>(value: T | null, id: string): T {
  if (value === null) throw unknownJob(id);
  return value;
}
