// Image bytes → ImageBitmap in a dedicated worker (image-decoder.worker.ts), not on the page's thread: that thread runs
// the model, and wrapping bytes in a Blob for createImageBitmap is a synchronous round trip to the browser process
// (0.6 ms a job in an idle page here, about 1.5 ms beside a prediction). Profiled in the grid, the page's thread
// spent 8.3-9.2 ms a job outside the model with the decode on it and 5.4-6.4 ms without.

/** The bytes are not an image the browser can decode: no retry will change that. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  type: string;
}

export type DecodeReply = { id: number; bitmap: ImageBitmap } | { id: number; error: string };

/** Decodes image bytes; what the page's job queue and the standalone page call. */
export type DecodeImage = (bytes: Uint8Array, type: string) => Promise<ImageBitmap>;

interface Pending {
  type: string;
  resolve: (bitmap: ImageBitmap) => void;
  reject: (error: Error) => void;
}

export class OffThreadDecoder {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor() {
    // Started now, not on the first decode, which would otherwise wait the worker's start-up (some 20 ms here).
    this.started();
  }

  /** Decodes `bytes` of MIME type `type`; rejects with ImageDecodeError when the browser cannot. */
  readonly decode: DecodeImage = (bytes, type) =>
    new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { type, resolve, reject });
      // Cloned, not transferred: the bytes are a view into the socket's frame, a few KB past the image.
      this.started().postMessage({ id, bytes, type } satisfies DecodeRequest);
    });

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./image-decoder.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }: MessageEvent<DecodeReply>) => this.settle(data);
    // A worker that fails to load or dies takes its decodes with it (not the images' fault: retryable); the next
    // decode starts a new one.
    worker.onerror = (event) => {
      event.preventDefault();
      this.stop(new Error(`the image decoder stopped: ${event.message || 'it could not start'}`));
    };
    this.worker = worker;
    return worker;
  }

  private settle(reply: DecodeReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if ('bitmap' in reply) waiting.resolve(reply.bitmap);
    else waiting.reject(new ImageDecodeError(`cannot decode the image (${waiting.type || 'unknown type'}): ${reply.error}`));
  }

  private stop(error: Error): void {
    this.worker?.terminate();
    this.worker = null;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
