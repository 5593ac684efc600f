// Where job images live, behind one seam: files under the data directory for
// the embedded store (file-image-store.ts), Redis for the shared one
// (redis-image-store.ts). A job store puts a request's images before the
// transaction that creates its jobs, so they are durable by the time the jobs
// are acknowledged, and deletes them again when that create is refused.
// Each job has its original image and, when it was prepared at upload
// (prepared-image.ts), the small one workers receive; jobs stored before
// preparation existed have the original only.

/** An uploaded file waiting on disk (master/http/incoming-files.ts) to become a job's image. */
export interface UploadedFile {
  path: string;
  size: number;
}

export interface ImageStore {
  /**
   * Makes each file the original image of the job about to be created under its id, one file at a time, and the
   * prepared bytes, when given, its prepared image; durable once this resolves.
   */
  put(images: { jobId: string; file: UploadedFile; prepared?: Uint8Array }[]): Promise<void>;
  /** The job's original image, or null when it has none. */
  get(jobId: string): Promise<Buffer | null>;
  /** The job's prepared image, or null when it has none (a job stored before images were prepared). */
  getPrepared(jobId: string): Promise<Buffer | null>;
  /** Deletes the images, original and prepared, of jobs refused or removed; an id without an image is skipped. */
  delete(jobIds: string[]): Promise<void>;
}
