// Progress while a study runs: two bars per loss rate (uploads settled, jobs
// finished) on a terminal; plain log lines when stderr is not one (CI, tests).
import cliProgress from 'cli-progress';
import type { UploadResult } from './upload-client.ts';

export interface LossProgress {
  uploadSettled(result: UploadResult): void;
  jobFinished(status: 'done' | 'failed'): void;
  end(line: string): void;
}

export class StudyProgress {
  readonly #interactive = process.stderr.isTTY === true;
  #bars: cliProgress.MultiBar | null = null;

  log(line: string): void {
    if (this.#bars) this.#bars.log(`${line}\n`);
    else console.error(line);
  }

  startLoss(loss: number, total: number): LossProgress {
    if (!this.#interactive) {
      this.log(`loss ${loss}: sending ${total} images`);
      return { uploadSettled: () => {}, jobFinished: () => {}, end: (line) => this.log(line) };
    }
    this.#bars ??= new cliProgress.MultiBar(
      { format: '{label} |{bar}| {value}/{total} {detail}', hideCursor: true, clearOnComplete: false, barsize: 30 },
      cliProgress.Presets.shades_classic,
    );
    const label = `loss ${loss.toFixed(3)}`;
    const uploads = this.#bars.create(total, 0, { label: `${label} uploads`, detail: '' });
    const results = this.#bars.create(total, 0, { label: `${label} results`, detail: '' });
    const counts = { acked: 0, gaveUp: 0, retries: 0, done: 0, failed: 0 };
    return {
      uploadSettled: (result) => {
        if (result.ackedAt === null) counts.gaveUp++;
        else counts.acked++;
        counts.retries += result.attempts.length - 1;
        // Uploads given up will never finish: shrink the results bar so it can still reach its end.
        if (result.ackedAt === null) results.setTotal(total - counts.gaveUp);
        uploads.increment({ detail: `acknowledged ${counts.acked}, given up ${counts.gaveUp}, retries ${counts.retries}` });
      },
      jobFinished: (status) => {
        counts[status]++;
        results.increment({ detail: `done ${counts.done}, failed ${counts.failed}` });
      },
      end: (line) => this.log(line),
    };
  }

  stop(): void {
    this.#bars?.stop();
    this.#bars = null;
  }
}
