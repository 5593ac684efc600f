// Reads a multipart upload of images, within the configured limits, onto disk
// as it arrives (never whole into memory): each file goes to the incoming
// folder under the data directory, and every file of a request is deleted when
// the request ends, however it ends: accepted (the embedded store has moved
// its files away by then), refused, or cut off (multer removes those it was
// writing, and every path it was given is deleted when the answer closes).
// Files of a master killed mid-upload are incoming-sweeper.ts's.
// Whatever a client sends, a body that is not well-formed multipart
// is its mistake (400), never the master's (500); a file the master could not
// write (disk full, say) is the master's (errors.ts answers it).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import multer from 'multer';
import { isPlain, MAX_MARKS_PER_CHARACTER, showsSomething, stacksMarks } from '../shown-text.ts';
import { HttpError } from './errors.ts';

export interface UploadLimits {
  maxUploadBytes: number;
  maxFilesPerUpload: number;
  maxFileNameChars: number;
}

/**
 * Text fields a submission may carry. The API reads one (`private`, see jobs-router.ts); a few more are let through
 * and ignored (a form's button, say). Protocol facts, not settings: without them a body of a million tiny fields
 * would be held in memory.
 */
export const MAX_TEXT_FIELDS = 4;
/** Bytes of one text field's value: `private` is "true" or "false". */
export const MAX_TEXT_FIELD_BYTES = 256;

/** Where uploads are written while they arrive and are checked. */
export const incomingDir = (dataDir: string) => path.join(dataDir, 'incoming');

/**
 * The incoming files of this process's requests not yet ended: a request may be checked and prepared long after its
 * body arrived (REQUEST_TIMEOUT_MS bounds only the arriving), so the leftover sweep asks here (incoming-sweeper.ts).
 */
const inProgress = new Set<string>();
export const uploadInProgress = (file: string) => inProgress.has(file);

export function imageUpload(dataDir: string, { maxUploadBytes, maxFilesPerUpload, maxFileNameChars }: UploadLimits): RequestHandler {
  const destination = incomingDir(dataDir);
  fs.mkdirSync(destination, { recursive: true });
  /** Every path multer was given for a request, whether or not its file was finished: all of them go when the request ends. */
  const written = new WeakMap<object, { paths: string[]; ended: boolean }>();
  const upload = multer({
    storage: multer.diskStorage({
      destination,
      filename: (req, _file, callback) => {
        const record = written.get(req);
        // A request whose answer has gone writes no more files.
        if (!record || record.ended) return callback(new Error('Request aborted'), '');
        const name = randomBytes(16).toString('hex');
        const file = path.join(destination, name);
        record.paths.push(file);
        inProgress.add(file);
        callback(null, name);
      },
    }),
    limits: {
      fileSize: maxUploadBytes,
      files: maxFilesPerUpload,
      fields: MAX_TEXT_FIELDS,
      fieldSize: MAX_TEXT_FIELD_BYTES,
      // Every part is a file or a field, so this bounds nothing the two above do not; it says the whole.
      parts: maxFilesPerUpload + MAX_TEXT_FIELDS,
    },
    // Browsers send UTF-8 file names without saying so; busboy's default would read them as Latin-1.
    defParamCharset: 'utf8',
  }).array('image', maxFilesPerUpload);
  return (req, res, next) => {
    const record = { paths: [] as string[], ended: false };
    written.set(req, record);
    // 'close' comes once, whether the answer was sent or the client went away.
    res.once('close', () => {
      record.ended = true;
      for (const file of record.paths) fs.rm(file, { force: true }, () => inProgress.delete(file));
    });
    upload(req, res, (error?: unknown) => {
      if (error !== undefined) return next(asClientError(error));
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      next(fileNamesProblem(files, maxFileNameChars));
    });
  };
}

/**
 * A file name is shown on boards, job pages and in exports as it was sent: one that breaks a line or turns the text
 * around (`cat\u202Egnp.exe` shows as "catexe.png"), stacks marks that draw over the rows around it, shows nothing
 * (the board's link to its job would be blank), or is too long to show, is refused.
 */
function fileNamesProblem(files: Express.Multer.File[], maxChars: number): HttpError | undefined {
  for (const { originalname } of files) {
    // Counted in code points, as a person counts characters, not in UTF-16 units; first, so the character rule only
    // ever reads a name of a length worth showing.
    if ([...originalname].length > maxChars) {
      return new HttpError(400, 'bad-file-name', `a file name is longer than ${maxChars} characters (MAX_FILE_NAME_CHARS); nothing was stored`);
    }
    if (!isPlain(originalname)) {
      return new HttpError(400, 'bad-file-name', 'a file name holds a control or formatting character (a line break, a bidi override); nothing was stored');
    }
    // Compared in NFC, as names are: a name sent decomposed (as macOS stores them) carries no more marks than it shows.
    if (stacksMarks(originalname.normalize('NFC'))) {
      return new HttpError(400, 'bad-file-name', `a file name puts more than ${MAX_MARKS_PER_CHARACTER} combining marks on one character; nothing was stored`);
    }
    if (!showsSomething(originalname)) {
      return new HttpError(400, 'bad-file-name', 'a file name needs a visible letter, digit, punctuation mark or symbol; nothing was stored');
    }
  }
  return undefined;
}

/** The text-field limits, named (multer's own words name no limit the client can look up). */
const TEXT_FIELD_LIMITS: Partial<Record<multer.ErrorCode, () => HttpError>> = {
  LIMIT_FIELD_COUNT: () =>
    new HttpError(413, 'too-many-fields', `at most ${MAX_TEXT_FIELDS} text fields per upload (the API reads "private"); nothing was stored`),
  LIMIT_FIELD_VALUE: () => new HttpError(413, 'field-too-large', `a text field's value may be at most ${MAX_TEXT_FIELD_BYTES} bytes; nothing was stored`),
  LIMIT_PART_COUNT: () => new HttpError(413, 'too-many-parts', 'more parts than images and text fields allowed together; nothing was stored'),
};

/**
 * Multer's own limit errors, a client hanging up and the file system's errors (a system call's, writing the file) keep
 * their meaning; anything else busboy throws is a malformed body.
 */
function asClientError(error: unknown): unknown {
  if (error instanceof multer.MulterError) return TEXT_FIELD_LIMITS[error.code]?.() ?? error;
  if (!(error instanceof Error) || error.message === 'Request aborted' || 'syscall' in error) return error;
  return new HttpError(400, 'malformed-multipart', `the body is not well-formed multipart/form-data (${error.message}); nothing was stored`);
}
