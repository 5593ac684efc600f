import { LitElement, html } from 'lit';
import { dropZoneStyles } from './drop-zone.styles.ts';

export type FilesChosenEvent = CustomEvent<{ files: File[] }>;

/**
 * Where images come in: a file picker that is also a drop target. Says "files-chosen" with the
 * files; what happens to them is the page's business.
 */
export class DropZone extends LitElement {
  static override styles = dropZoneStyles;
  static override properties = { over: { state: true } };

  /** Something is being dragged over the zone. */
  over = false;

  protected override render() {
    return html`
      <div
        class="zone"
        ?data-over=${this.over}
        @dragenter=${this.onDragOver}
        @dragover=${this.onDragOver}
        @dragleave=${this.onDragLeave}
        @drop=${this.onDrop}
      >
        <input id="files" type="file" accept="image/*" multiple aria-describedby="hint" @change=${this.onChange} />
        <label for="files">
          <svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
            <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" stroke-linecap="round" stroke-linejoin="round" />
          </svg>
          <span class="lead">Drop images here</span>
          <span class="choose">or choose files</span>
          <span id="hint" class="hint">JPEG, PNG, WebP, GIF or AVIF. Each image becomes one job. You can also paste one.</span>
        </label>
      </div>
    `;
  }

  private onDragOver(event: DragEvent): void {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = 'copy';
    this.over = true;
  }

  private onDragLeave(event: DragEvent): void {
    // Leaving for one of the zone's own children is not leaving the zone.
    if (event.relatedTarget instanceof Node && (event.currentTarget as HTMLElement).contains(event.relatedTarget)) return;
    this.over = false;
  }

  private onDrop(event: DragEvent): void {
    event.preventDefault();
    this.over = false;
    this.choose([...(event.dataTransfer?.files ?? [])]);
  }

  private onChange(event: Event): void {
    const input = event.target as HTMLInputElement;
    this.choose([...(input.files ?? [])]);
    input.value = ''; // so choosing the same file again is noticed
  }

  private choose(files: File[]): void {
    if (files.length > 0) this.dispatchEvent(new CustomEvent('files-chosen', { detail: { files } }));
  }
}

customElements.define('drop-zone', DropZone);

declare global {
  interface HTMLElementTagNameMap {
    'drop-zone': DropZone;
  }
}
