// What an encoded image shows of how it was made, short of its pixels: format, dimensions, channels,
// container layout (a WebP's RIFF chunks: simple lossy "VP8 ", lossless "VP8L", or extended "VP8X" with
// metadata or alpha), progressive or not, chroma subsampling, and any metadata. Two images that must not
// be told apart (a spot check and a job) must have the same.
import sharp from 'sharp';

export interface Encoding {
  format: string;
  width: number;
  height: number;
  channels: number;
  hasAlpha: boolean;
  progressive: boolean;
  chromaSubsampling: string | null;
  /** The RIFF chunk names of a WebP, in order; [] for other formats. */
  chunks: string[];
  /** Which of EXIF, ICC, XMP and IPTC it carries. */
  metadata: string[];
}

export async function encodingOf(bytes: Uint8Array): Promise<Encoding> {
  const meta = await sharp(bytes).metadata();
  return {
    format: meta.format,
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
    hasAlpha: meta.hasAlpha,
    progressive: meta.isProgressive,
    chromaSubsampling: meta.chromaSubsampling ?? null,
    chunks: webpChunks(Buffer.from(bytes)),
    metadata: (['exif', 'icc', 'xmp', 'iptc'] as const).filter((name) => meta[name] !== undefined),
  };
}

function webpChunks(bytes: Buffer): string[] {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WEBP') return [];
  const chunks: string[] = [];
  for (let at = 12; at + 8 <= bytes.length;) {
    chunks.push(bytes.toString('latin1', at, at + 4));
    const size = bytes.readUInt32LE(at + 4);
    at += 8 + size + (size % 2);
  }
  return chunks;
}
