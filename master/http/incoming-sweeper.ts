// Files an upload left in the incoming folder when its master was killed mid-request (SIGKILL: no 'close' ran to
// delete them). No upload is still arriving after REQUEST_TIMEOUT_MS, so a file not written to for longer, and not one
// of this process's requests still being checked (upload.ts), is a leftover: swept at start and then every
// REQUEST_TIMEOUT_MS while the master runs, so a full disk's worth of them waits for no restart. A younger file may be
// an upload arriving, at this master or another sharing DATA_DIR: it is kept. (Another master's upload still being
// checked past REQUEST_TIMEOUT_MS after its file arrived may lose that file; the upload then fails, nothing stored.)
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { uploadInProgress } from './upload.ts';

export class IncomingSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly dir: string,
    /** REQUEST_TIMEOUT_MS: the longest any request, and so any upload, can last. */
    private readonly ageMs: number,
    private readonly log: Logger,
  ) {}

  /** Sweeps once (the start waits for it), then every ageMs. */
  async start(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => {
      // One sweep at a time: a slow disk's sweep is not joined by the next.
      this.running ??= this.sweep().finally(() => (this.running = null));
    }, this.ageMs);
    // A sweep to come keeps no process alive.
    this.timer.unref();
  }

  /** Stops sweeping, and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    const before = Date.now() - this.ageMs;
    try {
      for (const name of await fsp.readdir(this.dir)) {
        const file = path.join(this.dir, name);
        const modified = (await fsp.stat(file).catch(() => undefined))?.mtimeMs;
        if (modified === undefined || modified >= before || uploadInProgress(file)) continue;
        await fsp.rm(file, { force: true, recursive: true }).catch((error: unknown) => this.cannotRemove(error, file));
      }
    } catch (error) {
      // A broken folder fails every upload too (503 storage-unavailable); the sweep says so and tries again next time.
      this.log.warn({ err: error, dir: this.dir }, 'could not sweep leftover uploads');
    }
  }

  /** One leftover that cannot be removed is said and passed over: it does not keep the later ones. */
  private cannotRemove(error: unknown, file: string): void {
    this.log.warn({ err: error, file }, 'could not remove a leftover upload');
  }
}
