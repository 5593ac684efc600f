import { LitElement, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { submitJobs } from '../api.ts';
import { errorMessage } from '../lib/errors.ts';
import { jobFeed } from '../state/job-feed.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { submitFormStyles } from './submit-form.styles.ts';
import './feed-banner.ts';
import './job-row.ts';

/** Upload form; jobs submitted from it are then followed live below it. */
export class SubmitForm extends LitElement {
  static override styles = submitFormStyles;
  static override properties = {
    busy: { state: true },
    error: { state: true },
    notice: { state: true },
    submitted: { state: true },
  };

  busy = false;
  error: string | null = null;
  notice = '';
  /** Ids of jobs submitted from this page, newest first. */
  submitted: string[] = [];

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => jobFeed.subscribe(onChange));
  }

  protected override render() {
    return html`
      <h1>Submit images</h1>
      <form @submit=${this.onSubmit}>
        <div class="field">
          <label for="images">Images</label>
          <input id="images" name="image" type="file" accept="image/*" multiple required aria-describedby="hint" />
          <span id="hint" class="hint">Choose one or more pictures; each becomes a job.</span>
        </div>
        <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Uploading…' : 'Upload'}</button>
      </form>
      <p class="error" role="alert">${this.error ?? ''}</p>
      <p role="status">${this.notice}</p>
      ${this.submitted.length > 0 ? this.renderSubmitted() : ''}
    `;
  }

  private renderSubmitted() {
    return html`
      <h2>Your jobs</h2>
      <feed-banner .connection=${jobFeed.connection} .error=${jobFeed.error}></feed-banner>
      <ul>
        ${repeat(
          this.submitted,
          (id) => id,
          (id) => {
            const job = jobFeed.job(id);
            return html`<li>${job ? html`<job-row .job=${job}></job-row>` : html`<div class="pending">${id} · queued</div>`}</li>`;
          },
        )}
      </ul>
    `;
  }

  private async onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const count = new FormData(form).getAll('image').length;
    this.busy = true;
    this.error = null;
    this.notice = `Uploading ${count === 1 ? '1 image' : `${count} images`}…`;
    try {
      const { jobs } = await submitJobs(new FormData(form));
      const ids = jobs.map((job) => job.id);
      this.submitted = [...ids, ...this.submitted];
      this.notice = `Submitted ${ids.length === 1 ? '1 job' : `${ids.length} jobs`}.`;
      form.reset();
      // Events for these jobs may have gone by before we knew their ids.
      void jobFeed.track(ids);
    } catch (error) {
      this.error = `Upload failed: ${errorMessage(error)}`;
      this.notice = '';
    } finally {
      this.busy = false;
    }
  }
}

customElements.define('submit-form', SubmitForm);

declare global {
  interface HTMLElementTagNameMap {
    'submit-form': SubmitForm;
  }
}
