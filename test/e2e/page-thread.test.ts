// bench:browsers --page-thread: a real worker page in headless Chromium, fed by a real master, its thread profiled.
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../master/config.ts';
import { preparerFor } from '../../metrics/browser-run.ts';
import { profilePageThread } from '../../metrics/page-thread.ts';
import { devImages } from '../support/paths.ts';

describe("the worker page's thread profile", () => {
  it("accounts for the run, the model's share found in its WebAssembly", async () => {
    const preparer = preparerFor(makeConfig({}));
    const images = await Promise.all(devImages(12).map((image) => preparer.prepare(image.path)));
    const thread = await profilePageThread(images);
    expect(thread.images).toBe(12);
    expect(['wasm', 'webgl', 'webgpu']).toContain(thread.backend);
    expect(thread.otherMs).toBeGreaterThan(0);
    // The WASM backend predicts on the page's thread: its samples are found in the model. (How the thread's time splits
    // is the bench's to measure: beside other tests on two cores, time the page waits for a core lands elsewhere.)
    if (thread.backend === 'wasm') expect(thread.modelMs).toBeGreaterThan(0);
    // The samples cover the profile, which spans the measured run (and the moments around it).
    const sampled = thread.modelMs + thread.otherMs + thread.idleMs;
    expect(sampled).toBeGreaterThan(0.5 * thread.wallMs);
    expect(sampled).toBeLessThan(2 * thread.wallMs);
  });
});
