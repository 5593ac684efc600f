/** ImageNet labels list synonyms ("tabby, tabby cat"); the first reads best in a list. */
export function shortLabel(label: string): string {
  return label.split(',')[0]!.trim();
}

export function formatPercent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** A duration as "830 ms", "12.4 s", then in its largest units ("12 min", "3 h 5 min", "4 d 4 h"). */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatUptime(ms / 1000);
}

const TIME_OF_DAY: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit' };

/**
 * Local wall-clock time of an ISO timestamp, e.g. "14:03:27", with its date when it is not today
 * ("Nov 29, 14:03:27"): jobs are kept for weeks, and a time alone would read as today's.
 */
export function formatTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (at.toDateString() === now.toDateString()) return at.toLocaleTimeString(undefined, TIME_OF_DAY);
  const year = at.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' as const };
  return at.toLocaleString(undefined, { month: 'short', day: 'numeric', ...year, ...TIME_OF_DAY });
}

/** A size people read at a glance: "830 B", "142 kB", "10.5 MB" (SI units, as file managers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** A whole number with thousands separators, e.g. "10,000". */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** "1 image", "3 images". */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** Seconds as "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Most decimals a credibility is shown with; closer to 1 than that, it reads "> 99.9999%". */
const MAX_CREDIBILITY_DIGITS = 4;

/**
 * A credibility as a percentage: one decimal below 99.9%, then as many more as it takes not to round
 * up to 100% (99.98%, 99.9993%), since those last digits are what a target error is about.
 */
export function formatCredibility(credibility: number): string {
  const percent = credibility * 100;
  if (percent < 99.9) return `${percent.toFixed(1)}%`;
  if (credibility >= 1) return '100%';
  for (let digits = 2; digits <= MAX_CREDIBILITY_DIGITS; digits++) {
    const shown = percent.toFixed(digits);
    if (Number(shown) < 100) return `${shown}%`;
  }
  return `> ${(100 - 10 ** -MAX_CREDIBILITY_DIGITS).toFixed(MAX_CREDIBILITY_DIGITS)}%`;
}

/** A figure the master may keep back (on a private board, a worker's credibility and checks, to all but the admin) as "—". */
export function formatOrDash(value: number | null, format: (value: number) => string): string {
  return value === null ? '—' : format(value);
}
