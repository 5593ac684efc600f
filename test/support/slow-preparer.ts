// The master's real image preparer, 1.5 s slower per image, or held until the test lets it go: a master still working
// on a request long after its body arrived (a large upload on busy cores), for tests of what runs meanwhile (timeouts,
// sweeps, hang-ups).
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

/** The real preparer, holding every image until the test calls release(): work the master cannot stop, for as long as a test needs it under way. */
export class HeldPreparer extends ImagePreparer {
  private release_!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release_ = resolve));
  /** Images whose preparation has begun: the master has the whole upload and is working on it. */
  started = 0;

  /** For the shipped model's input size (224). */
  constructor() {
    super(224, 40_000_000);
  }

  release(): void {
    this.release_();
  }

  override async prepare(filePath: string): Promise<PreparedImage> {
    this.started += 1;
    await this.released;
    return super.prepare(filePath);
  }
}
