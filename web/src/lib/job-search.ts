import type { JobView } from '../../../master/api-types.ts';

/**
 * Whether a job matches what was typed in the board's search box: any of its predicted labels
 * (all five, synonyms included) or its file name contains every word, ignoring case.
 * The board searches only the jobs it has loaded; the master has no search endpoint yet.
 */
export function matchesSearch(job: JobView, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [job.fileName, ...(job.result?.predictions.map((prediction) => prediction.label) ?? [])].join('\n').toLowerCase();
  return words.every((word) => haystack.includes(word));
}
