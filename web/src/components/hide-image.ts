/** An image the browser cannot draw is hidden, leaving an empty tile rather than a broken-image icon. */
export function hideImage(event: Event): void {
  (event.target as HTMLImageElement).hidden = true;
}
