// The untimed warm-up of each loss rate. Its uploads go first, in the same
// client process and open-loop schedule as the measured ones, so the start-up
// cost of a round (a fresh client process, its first connections: 90-300 ms an
// upload against ~30 ms steady) is paid before the measured uploads start; their
// results are then split off and never become records.
import type { LabelledImage } from '../dataset.ts';
import type { PlannedUpload, UploadResult } from './upload-client.ts';

export interface RoundUploads {
  /** Sent first, not measured. */
  warmUp: PlannedUpload[];
  /** `measured[i]` uploads `images[i]`. */
  measured: PlannedUpload[];
}

/** What config.json says of one round's warm-up. */
export interface WarmUpCount {
  uploads: number;
  acknowledged: number;
}

/** The round's uploads: `warmUpUploads` of the same images from the first (none of their results is read), then one per image. */
export function planRoundUploads(images: readonly LabelledImage[], keyPrefix: string, warmUpUploads: number): RoundUploads {
  // Keys hold no "_": the master's file name `<key>_<file>` gives a job's key back (master-jobs.ts uploadKey).
  const planned = (key: string, image: LabelledImage): PlannedUpload => ({ key, fileName: `${key}_${image.file}`, path: image.path });
  return {
    warmUp: Array.from({ length: warmUpUploads }, (_, i) => planned(`${keyPrefix}-warm-up-${i}`, images[i % images.length]!)),
    measured: images.map((image, i) => planned(`${keyPrefix}-${i}`, image)),
  };
}

/** What the round's one client process sends, in its open-loop order: the warm-up, then the measured uploads. */
export function sendOrder(round: RoundUploads): PlannedUpload[] {
  return [...round.warmUp, ...round.measured];
}

/** The client's results split back into the warm-up's and the measured uploads', each in its plan's order. */
export function splitWarmUp(results: readonly UploadResult[], round: RoundUploads): { warmUp: UploadResult[]; measured: UploadResult[] } {
  const byKey = new Map(results.map((result) => [result.key, result]));
  const resultsOf = (uploads: readonly PlannedUpload[]) =>
    uploads.map((upload) => {
      const result = byKey.get(upload.key);
      if (!result) throw new Error(`the upload client reported nothing for ${upload.key}`);
      return result;
    });
  return { warmUp: resultsOf(round.warmUp), measured: resultsOf(round.measured) };
}

export function countWarmUp(warmUp: readonly UploadResult[]): WarmUpCount {
  return { uploads: warmUp.length, acknowledged: warmUp.filter((result) => result.ackedAt !== null).length };
}
