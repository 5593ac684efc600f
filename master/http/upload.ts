// Reads a multipart upload of images into memory, within the configured limits.
// Whatever a client sends, a body that is not well-formed multipart is its
// mistake (400), never the master's (500).
import type { RequestHandler } from 'express';
import multer from 'multer';
import { HttpError } from './errors.ts';

export interface UploadLimits {
  maxUploadBytes: number;
  maxFilesPerUpload: number;
}

/** Control characters (NUL included) have no place in a file name shown on a board or in a CSV. */
const CONTROL_CHARACTERS = /\p{Cc}/u;

export function imageUpload({ maxUploadBytes, maxFilesPerUpload }: UploadLimits): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxUploadBytes, files: maxFilesPerUpload },
    // Browsers send UTF-8 file names without saying so; busboy's default would read them as Latin-1.
    defParamCharset: 'utf8',
  }).array('image', maxFilesPerUpload);
  return (req, res, next) => {
    upload(req, res, (error?: unknown) => {
      if (error !== undefined) return next(asClientError(error));
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      const badName = files.find((file) => CONTROL_CHARACTERS.test(file.originalname));
      if (badName) return next(new HttpError(400, 'bad-file-name', 'a file name contains control characters; nothing was stored'));
      next();
    });
  };
}

/** Multer's own limit errors and a client hanging up keep their meaning; anything else busboy throws is a malformed body. */
function asClientError(error: unknown): unknown {
  if (error instanceof multer.MulterError || !(error instanceof Error) || error.message === 'Request aborted') return error;
  return new HttpError(400, 'malformed-multipart', `the body is not well-formed multipart/form-data (${error.message}); nothing was stored`);
}
