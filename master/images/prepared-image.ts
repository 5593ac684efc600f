// What a worker receives: every upload is decoded once on the master (sharp, EXIF orientation applied),
// resized to the served model's input size and encoded small, and that prepared image, not the original,
// is what a job's lease carries; the original stays for display (board, job page, GET /api/jobs/:id/image).
// Spot checks (master/trust/gold-reencoding.ts) go through the same resize and encoder, so they have the
// same dimensions, format and encoder settings as jobs.
//
// Chosen by measurement (npm run bench:prepare and README, "Performance"): on the 200 dev images (41 KiB
// and about 276 × 265 pixels each on average), lossless forms are larger than the originals (PNG 113 KiB,
// lossless WebP 61 KiB) and high-quality JPEG (q90, 17 KiB) is 2/5 of them; the goal of a fifth needs a
// lossy encoder near 8 KiB, where WebP changed fewer top-1 answers than JPEG at the same bytes. The
// Catmull-Rom (cubic) kernel is antialiased, unlike the page's own bilinear resize, and classified best of
// sharp's kernels when encoded losslessly.
import sharp, { type Sharp } from 'sharp';

/** The prepared image's type: WebP, which every browser a worker page runs in decodes. */
export const PREPARED_TYPE = 'image/webp';
/** sharp's Catmull-Rom cubic; the image is stretched to a square as the page's resize does, not cropped. */
const KERNEL = 'cubic';
/** The encoder's settings: one fixed set, for jobs and spot checks alike (no setting tells them apart). */
export const PREPARED_WEBP = { quality: 75, effort: 6 } as const;

export interface PreparedImage {
  bytes: Buffer;
  contentType: string;
}

/** The upload did not decode (corrupt or truncated data): the uploader's to fix. */
export class UndecodableImageError extends Error {
  override name = 'UndecodableImageError';
}

/** The image decoded but could not be prepared (the encoder failed): the master's failure, not the uploader's. */
export class ImagePreparationError extends Error {
  override name = 'ImagePreparationError';
}

/** RGB pixels of a square image `size` pixels a side. */
export interface ModelPixels {
  data: Buffer;
  size: number;
}

/** Resizes whatever `image` holds to the model's square input, three channels, no alpha. */
export async function toModelPixels(image: Sharp, size: number): Promise<ModelPixels> {
  const data = await image.resize(size, size, { fit: 'fill', kernel: KERNEL, fastShrinkOnLoad: false }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  return { data, size };
}

/** Encodes model-size pixels as workers receive them (no metadata: sharp writes none unless asked). */
export async function encodeModelPixels({ data, size }: ModelPixels): Promise<Buffer> {
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .webp(PREPARED_WEBP)
    .toBuffer();
}

export class ImagePreparer {
  /**
   * @param size the served model's input height and width (ModelView.imageSize)
   * @param maxPixels the most pixels an accepted image may have (MAX_IMAGE_PIXELS): a decode never allocates more
   */
  constructor(
    readonly size: number,
    private readonly maxPixels: number,
  ) {}

  /** Decodes the file (all of it: truncated data is refused) and prepares it; throws UndecodableImageError or ImagePreparationError. */
  async prepare(filePath: string): Promise<PreparedImage> {
    let pixels: ModelPixels;
    try {
      pixels = await toModelPixels(sharp(filePath, { limitInputPixels: this.maxPixels, failOn: 'truncated', autoOrient: true }), this.size);
    } catch (error) {
      throw new UndecodableImageError(firstLine(error), { cause: error });
    }
    try {
      return { bytes: await this.encode(pixels), contentType: PREPARED_TYPE };
    } catch (error) {
      throw new ImagePreparationError(firstLine(error), { cause: error });
    }
  }

  /** The encoder; a test may make it fail. */
  protected encode(pixels: ModelPixels): Promise<Buffer> {
    return encodeModelPixels(pixels);
  }
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
