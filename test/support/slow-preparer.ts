// The master's real image preparer, 1.5 s slower per image: a master still working on a request long after its body
// arrived (a large upload on busy cores), for tests of what runs meanwhile (timeouts, sweeps).
import { ImagePreparer, type PreparedImage } from '../../master/images/prepared-image.ts';

export const SLOW_PREPARE_MS = 1_500;

export class SlowPreparer extends ImagePreparer {
  /** For the shipped model's input size (224). */
  constructor() {
    super(224, 40_000_000);
  }

  override async prepare(filePath: string): Promise<PreparedImage> {
    await new Promise((resolve) => setTimeout(resolve, SLOW_PREPARE_MS));
    return super.prepare(filePath);
  }
}
