// Run as its own process by descriptors-exhausted.test.ts, since it uses up every file descriptor: checks a real
// image with the master's checkImage while, from just before the decode, the process can open no file, as under a
// flood of connections. Prints the outcome as JSON: what checkImage answered, or the code of what it threw.
import fs from 'node:fs';
import { checkImage } from '../../master/http/image-types.ts';
import { ImagePreparer } from '../../master/images/prepared-image.ts';

const held: number[] = [];

/** Takes every descriptor left just before decoding, as other requests might between the sniff and the decode. */
class StarvedPreparer extends ImagePreparer {
  override prepare(filePath: string) {
    try {
      for (;;) held.push(fs.openSync('/dev/null', 'r'));
    } catch {
      // out of descriptors: as meant
    }
    return super.prepare(filePath);
  }
}

const [file] = process.argv.slice(2);
let outcome: unknown;
try {
  const check = await checkImage(file!, { maxImageWidth: 10_000, maxImageHeight: 10_000, maxImagePixels: 100_000_000 }, new StarvedPreparer(224, 100_000_000));
  outcome = check.ok ? { ok: true } : check;
} catch (error) {
  outcome = { thrown: (error as { code?: string }).code ?? String(error) };
} finally {
  for (const fd of held) fs.closeSync(fd);
}
console.log(JSON.stringify(outcome));
