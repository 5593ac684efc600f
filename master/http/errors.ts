// One error shape for the whole API: HTTP status + {error: {code, message}} in plain words.
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import multer from 'multer';
import type { ApiError } from '../api-types.ts';
import type { Logger } from '../log.ts';
import { IdempotencyKeyReusedError, QueueFullError, StoreUnavailableError } from '../store/store-errors.ts';
import { isLocked } from '../store/sqlite-file.ts';
import { storageFailureCause } from '../store/storage-failure.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Freeing space or mending a folder takes an operator: asking again at once would meet the same failure. */
const STORAGE_RETRY_AFTER_S = '30';

const body = (code: string, message: string): ApiError => ({ error: { code, message } });

function fromMulter(error: multer.MulterError, limits: { maxUploadBytes: number; maxFilesPerUpload: number }): HttpError {
  switch (error.code) {
    case 'LIMIT_FILE_SIZE':
      return new HttpError(413, 'file-too-large', `an image is larger than the limit of ${limits.maxUploadBytes} bytes`);
    case 'LIMIT_FILE_COUNT':
      return new HttpError(413, 'too-many-files', `at most ${limits.maxFilesPerUpload} images per request`);
    case 'LIMIT_UNEXPECTED_FILE':
      return new HttpError(400, 'unexpected-field', `upload images in the multipart field "image", not "${error.field}"`);
    default:
      return new HttpError(400, 'bad-upload', error.message);
  }
}

export function errorHandler(log: Logger, limits: { maxUploadBytes: number; maxFilesPerUpload: number }): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    let http: HttpError;
    const storageCause = storageFailureCause(error);
    if (error instanceof HttpError) http = error;
    else if (error instanceof multer.MulterError) http = fromMulter(error, limits);
    // Bounded queue: refuse new work instead of growing without bound.
    else if (error instanceof QueueFullError) http = new HttpError(503, 'queue-full', error.message, { 'Retry-After': '5' });
    else if (error instanceof IdempotencyKeyReusedError) http = new HttpError(422, 'idempotency-key-reused', `${error.message}; nothing was stored`);
    // A SQLite file another program holds locked (a backup, a sqlite3 shell) is a store out of reach just now too.
    else if (error instanceof StoreUnavailableError || isLocked(error)) {
      log.warn({ err: error }, 'store unavailable');
      http = new HttpError(503, 'store-unavailable', 'the store is unreachable just now; nothing was stored, try again shortly', {
        'Retry-After': '2',
      });
    } else if (storageCause !== undefined) {
      // The master's disk, not the request: a 5xx the client may retry, and an operator's to mend.
      log.error({ err: error }, 'storage unavailable');
      // Any route may meet it (an image read out of descriptors, a retry on a read-only database): worded for all.
      const message = `the master cannot use its own storage just now (${storageCause}): nothing was changed; try again later`;
      http = new HttpError(503, 'storage-unavailable', message, { 'Retry-After': STORAGE_RETRY_AFTER_S });
    } else if (error instanceof Error && error.message === 'Request aborted') {
      // The client went away mid-upload (lossy links do this); it will retry, nothing was stored.
      log.info('upload aborted by the client');
      http = new HttpError(400, 'upload-aborted', 'the upload was cut off before it finished; nothing was stored');
    } else if (isBodyError(error)) http = fromLibrary(error);
    else if (res.destroyed) {
      // The client hung up before its answer: there is no one to tell, and what failed next may be its doing (its
      // upload's files deleted as it left: upload.ts), not a fault of the master's.
      log.info({ problem: error instanceof Error ? error.message : String(error) }, 'request abandoned by its client');
      return;
    } else {
      log.error({ err: error }, 'unhandled error');
      http = new HttpError(500, 'internal', 'the master hit an unexpected error; it has been logged');
    }
    if (res.headersSent) return;
    res.status(http.status).set(http.headers).json(body(http.code, http.message));
  };
}

export const notFound: RequestHandler = (req, res) => {
  // originalUrl: req.path is relative to the router that gave up.
  res.status(404).json(body('not-found', `no such endpoint: ${req.method} ${req.originalUrl.split('?')[0]}`));
};

/** Plain words for the 4xx statuses the libraries under the routes answer with (`send` serving a model file). */
const LIBRARY_WORDS: Record<number, string> = {
  412: 'a precondition of the request (If-Match, If-Unmodified-Since) does not hold for this file',
  416: 'the Range asked for lies outside the file; Content-Range says its length',
};

/** A 4xx a library threw (Express's router decoding a path, `send`): a code of its own and plain words, its headers kept. */
function fromLibrary(error: { status: number; message: string; headers?: unknown }): HttpError {
  if (error instanceof URIError) {
    return new HttpError(400, 'bad-path', 'the path holds a "%" that starts no valid percent-encoding (%XX bytes of UTF-8 text)');
  }
  const reason = STATUS_CODES[error.status] ?? 'Bad Request';
  const headers = typeof error.headers === 'object' && error.headers !== null ? (error.headers as Record<string, string>) : {};
  return new HttpError(error.status, reason.toLowerCase().replace(/[^a-z]+/g, '-'), LIBRARY_WORDS[error.status] ?? error.message, headers);
}

function isBodyError(error: unknown): error is { status: number; message: string } {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
