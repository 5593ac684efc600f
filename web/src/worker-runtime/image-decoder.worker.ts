// The page's image decoder, on a thread of its own (off-thread-decoder.ts says why). createImageBitmap decodes here as
// on the page: same decoders, EXIF orientation and colours (compared in Chromium on the 200 dev images, prepared and
// original, and on rotated ones: identical pixels). WebCodecs' ImageDecoder would skip the Blob, but it decodes
// JPEG and lossy WebP through another colour conversion (pixels off by up to 48 of 255) and ignores EXIF orientation.
import type { DecodeReply, DecodeRequest } from './off-thread-decoder.ts';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(reply: DecodeReply, transfer?: Transferable[]): void;
};

scope.onmessage = async ({ data: { id, bytes, type } }) => {
  try {
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
    scope.postMessage({ id, bitmap }, [bitmap]);
  } catch (error) {
    scope.postMessage({ id, error: String(error) });
  }
};
