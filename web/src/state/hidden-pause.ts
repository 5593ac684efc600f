import { PauseOption, type OptionStorage, type Pausable } from './pause-option.ts';

type VisibilitySource = Pick<Document, 'visibilityState' | 'addEventListener'>;

/** The volunteer's "pause while this tab is hidden" choice, and the watch on page visibility that carries it out. */
export class HiddenTabPause extends PauseOption {
  constructor(
    target: Pausable,
    private readonly page: VisibilitySource,
    storage: () => OptionStorage,
  ) {
    super(target, 'hidden', 'grid-pause-when-hidden', storage);
    page.addEventListener('visibilitychange', () => this.apply());
    this.apply();
  }

  protected holds(): boolean {
    return this.page.visibilityState === 'hidden';
  }
}
