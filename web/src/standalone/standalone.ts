// The worker page's classifier with no master in the loop: the same backend choice, model and
// Classifier, driven by bench:browsers through window.__standalone, so the end-to-end rate of the
// grid can be compared with what the same page does on its own.
import type { StandaloneRun, StandaloneWindow } from '../../../common/standalone-classifier.ts';
import { fetchModel } from '../api.ts';
import { chooseBackend } from '../worker-runtime/backend-choice.ts';
import { Classifier } from '../worker-runtime/classifier.ts';
import { loadModel } from '../worker-runtime/model.ts';
import { OffThreadDecoder } from '../worker-runtime/off-thread-decoder.ts';
import { parseWorkerParams } from '../worker-runtime/worker-params.ts';

const choice = await chooseBackend(parseWorkerParams(location.search, navigator.webdriver).backend);
const view = await fetchModel();
const { classifier } = await Classifier.warmed((await loadModel(view, () => {})).model, view);
const { decode } = new OffThreadDecoder();

(window as StandaloneWindow).__standalone = {
  backend: choice.backend,
  async classify(images, rounds) {
    const encoded = images.map(({ base64, type }) => ({ bytes: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)), type }));
    const run: StandaloneRun['images'] = [];
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      // One image after another, decode then predict, nothing overlapped: the decode is the page's own, off its thread.
      for (const { bytes, type } of encoded) {
        const decodeStarted = performance.now();
        const bitmap = await decode(bytes, type);
        const { inferenceMs, stages, predictions } = await classifier.classifyDecoded(bitmap, performance.now() - decodeStarted);
        const [first, second] = predictions;
        run.push({ inferenceMs, stages, top1: first!.index, second: second?.index ?? -1, margin: first!.probability - (second?.probability ?? 0) });
      }
    }
    return { wallMs: performance.now() - started, images: run };
  },
};
