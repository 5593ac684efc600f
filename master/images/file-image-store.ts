// The embedded store's images: one file per job, <data dir>/images/<job id>,
// and beside it the prepared image workers receive, <job id>.prepared.
// An uploaded file is moved in by rename (no copy), the prepared bytes are
// written, and both are synced, files and folder, before the job's row is
// committed; files are deleted after their rows, so a crash leaves at worst a
// file without a row, swept at the next open. A delete that fails while the
// master runs never fails the change whose rows are gone: the file is warned of
// once and tried again at each retention step (retryUndeleted). At most
// MAX_UNDELETED_IMAGES such files are remembered, so a lasting disk error does
// not grow memory with every delete: past it the oldest is forgotten, with a
// warning, and left to the sweep at the next open.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { allOrFirstFailure } from '../all-or-first-failure.ts';
import type { Logger } from '../log.ts';
import type { ImageStore, UploadedFile } from './image-store.ts';

/** Job ids are the master's UUIDs; anything else (a path from a URL) never names a file. */
const JOB_ID = /^[\w-]+$/;
/** The prepared image's file is the original's name and this. */
const PREPARED_SUFFIX = '.prepared';
/** Files a delete could not remove that are remembered to be deleted again (MAX_UNDELETED_IMAGES). */
export const DEFAULT_MAX_UNDELETED_IMAGES = 10_000;

export class FileImageStore implements ImageStore {
  /** The folder sync not started yet, which every rename done before it starts may join; and the one running. */
  private queuedFolderSync: Promise<void> | null = null;
  private runningFolderSync: Promise<void> = Promise.resolve();
  /** Files a delete could not remove, oldest first. */
  private readonly undeleted = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly maxUndeleted = DEFAULT_MAX_UNDELETED_IMAGES,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  async put(images: { jobId: string; file: UploadedFile; prepared?: Uint8Array }[]): Promise<void> {
    // Contents on disk before a name points at them; synced side by side (libuv runs a few at once). A prepared
    // image is written under its final name: until the job's row is committed, no row names it.
    // All settled before any failure is thrown: a write still running then (another file of a full disk) would finish
    // after the caller has deleted what was put, and leave its file behind.
    await allOrFirstFailure([
      ...images.map(({ file }) => syncPath(file.path)),
      ...images.flatMap(({ jobId, prepared }) => (prepared ? [writeSynced(this.preparedPathOf(jobId), prepared)] : [])),
    ]);
    for (const { jobId, file } of images) await fsp.rename(file.path, this.pathOf(jobId));
    // The new names, too, must survive a power cut.
    if (images.length > 0) await this.syncFolder();
  }

  get(jobId: string): Promise<Buffer | null> {
    return JOB_ID.test(jobId) ? readIfAny(this.pathOf(jobId)) : Promise.resolve(null);
  }

  getPrepared(jobId: string): Promise<Buffer | null> {
    return JOB_ID.test(jobId) ? readIfAny(this.preparedPathOf(jobId)) : Promise.resolve(null);
  }

  /** Whether the job has an image a worker could be given: its prepared one, or its original. */
  async has(jobId: string): Promise<boolean> {
    if (!JOB_ID.test(jobId)) return false;
    const found = await Promise.all(
      [this.pathOf(jobId), this.preparedPathOf(jobId)].map((file) =>
        fsp.access(file).then(
          () => true,
          () => false,
        ),
      ),
    );
    return found.includes(true);
  }

  /**
   * Deletes the jobs' images, original and prepared. Their rows are gone already, so the change that removed them
   * stands: a file that cannot be deleted now (a disk error) fails nothing; it is warned of once and tried again.
   */
  async delete(jobIds: string[]): Promise<void> {
    await this.deleteFiles(jobIds.flatMap((jobId) => [this.pathOf(jobId), this.preparedPathOf(jobId)]));
  }

  /** Deletes again the files deletes failed on: their rows are gone, so nothing else would ask until the sweep at the next open. */
  async retryUndeleted(): Promise<void> {
    await this.deleteFiles([...this.undeleted]);
  }

  /** Each file settles on its own: one that fails is remembered for retryUndeleted, and warned of the first time only. */
  private async deleteFiles(files: string[]): Promise<void> {
    const outcomes = await Promise.allSettled(files.map((file) => fsp.rm(file, { force: true })));
    for (const [i, outcome] of outcomes.entries()) {
      const file = files[i]!;
      if (outcome.status === 'fulfilled') this.undeleted.delete(file);
      else if (!this.undeleted.has(file)) {
        this.rememberUndeleted(file);
        this.log.warn({ file, err: outcome.reason as unknown }, 'could not delete an image file: it is tried again at each retention step');
      }
    }
  }

  /** Remembers a file for retryUndeleted; past maxUndeleted, the oldest remembered is forgotten, saying so. */
  private rememberUndeleted(file: string): void {
    if (this.undeleted.size >= this.maxUndeleted) {
      const oldest = this.undeleted.values().next().value!;
      this.undeleted.delete(oldest);
      this.log.warn(
        { file: oldest, maxUndeletedImages: this.maxUndeleted },
        'too many image files could not be deleted to remember them all (MAX_UNDELETED_IMAGES): the oldest is no longer tried again, only at the next start',
      );
    }
    this.undeleted.add(file);
  }

  /** Writes an image given as bytes, synced; only for moving the images of an older store out of its database. */
  writeSync(jobId: string, bytes: Uint8Array): void {
    const fd = fs.openSync(this.pathOf(jobId), 'w');
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Syncs the folder after writeSync, so the names written survive a power cut. */
  syncSync(): void {
    const fd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Deletes every file whose job does not exist (a crash between putting and committing, or between removing and deleting); answers how many. */
  sweepSync(jobExists: (jobId: string) => boolean): number {
    let swept = 0;
    for (const name of fs.readdirSync(this.dir)) {
      const jobId = name.endsWith(PREPARED_SUFFIX) ? name.slice(0, -PREPARED_SUFFIX.length) : name;
      if (JOB_ID.test(jobId) && jobExists(jobId)) continue;
      fs.rmSync(path.join(this.dir, name), { force: true, recursive: true });
      swept += 1;
    }
    return swept;
  }

  /**
   * Group sync, as the database's group commit: creates that renamed their files meanwhile share one folder sync,
   * so a burst of small uploads costs one sync of the folder, not one each.
   */
  private syncFolder(): Promise<void> {
    this.queuedFolderSync ??= this.runningFolderSync
      .catch(() => {})
      .then(() => {
        this.queuedFolderSync = null;
        return (this.runningFolderSync = syncPath(this.dir));
      });
    return this.queuedFolderSync;
  }

  private pathOf(jobId: string): string {
    if (!JOB_ID.test(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
    return path.join(this.dir, jobId);
  }

  private preparedPathOf(jobId: string): string {
    return this.pathOf(jobId) + PREPARED_SUFFIX;
  }
}

async function readIfAny(file: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Writes a new file and syncs its contents. */
async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await fsp.open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** fdatasync for a file or a folder (Linux syncs a folder's entries through a read-only descriptor). */
async function syncPath(filePath: string): Promise<void> {
  const handle = await fsp.open(filePath, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
