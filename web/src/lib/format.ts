/** ImageNet labels list synonyms ("tabby, tabby cat"); the first reads best in a list. */
export function shortLabel(label: string): string {
  return label.split(',')[0]!.trim();
}

export function formatPercent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Local wall-clock time of an ISO timestamp, e.g. "14:03:27". */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
