// The classifier the worker page works with: the backend chosen once, the master's model fetched,
// loaded and warmed, retried with backoff until it is ready.
import type { ModelView } from '../../../master/api-types.ts';
import { fetchModel } from '../api.ts';
import { backoffDelay, delay } from '../lib/backoff.ts';
import { errorMessage } from '../lib/errors.ts';
import { chooseBackend, type BackendChoice, type BackendName } from './backend-choice.ts';
import { Classifier } from './classifier.ts';
import { loadModel } from './model.ts';
import type { WorkerSnapshot } from './status.ts';

export interface ReadyModel {
  classifier: Classifier;
  view: ModelView;
}

/** How the loader shows its progress on the page's status. */
export interface LoadReporting {
  update(patch: Partial<WorkerSnapshot>): void;
  /** Shows the phase, unless stopped meanwhile: loading goes on (the model stays useful) but must not overwrite "stopped". */
  showPhase(state: 'loading' | 'warming'): void;
  /** The bytes the page has downloaded so far, to which a model fetched from the network adds. */
  bytesDownloaded(): number;
}

export class ClassifierLoader {
  private chosen: BackendChoice | null = null;
  private loaded: ReadyModel | null = null;
  private loading: Promise<ReadyModel> | null = null;

  constructor(
    /** A backend asked for by name (see chooseBackend); the fastest when null. */
    private readonly requested: BackendName | null,
    private readonly report: LoadReporting,
  ) {}

  /** The backend chosen at the first load, kept for every reload. */
  get backend(): BackendChoice | null {
    return this.chosen;
  }

  /** The warmed classifier; null until prepared, and again after discard(). */
  get ready(): ReadyModel | null {
    return this.loaded;
  }

  /** Loads backend and model, retrying with backoff (the master may not be up yet). False if no longer `current` meanwhile. */
  async prepare(current: () => boolean): Promise<boolean> {
    for (let attempt = 0; current(); attempt++) {
      try {
        if (!this.loaded) {
          // A stop and restart during loading joins the load already under way.
          this.loading ??= this.load().finally(() => (this.loading = null));
          this.loaded = await this.loading;
        }
        return current();
      } catch (error) {
        if (!current()) return false;
        console.error('worker failed to load', error);
        this.report.update({ state: 'error', lastError: errorMessage(error) });
        await delay(backoffDelay(attempt));
      }
    }
    return false;
  }

  /** Frees the classifier: the next prepare() loads the model anew. */
  discard(): void {
    this.loaded?.classifier.dispose();
    this.loaded = null;
  }

  private async load(): Promise<ReadyModel> {
    const { report } = this;
    report.showPhase('loading');
    this.chosen ??= await chooseBackend(this.requested);
    report.update({ backend: this.chosen.backend, backendReason: this.chosen.reason });
    const view = await fetchModel();
    report.update({ modelHash: view.hash, modelName: view.name, modelProgress: 0, modelSource: null });
    const { model, source } = await loadModel(view, (fraction) => report.update({ modelProgress: fraction }));
    report.update({
      modelProgress: 1,
      modelSource: source,
      modelBytes: view.bytes,
      bytesDownloaded: report.bytesDownloaded() + (source === 'network' ? view.bytes : 0),
    });
    report.showPhase('warming');
    const { classifier, warmupMs } = await Classifier.warmed(model, view);
    report.update({ warmupMs });
    return { classifier, view };
  }
}
