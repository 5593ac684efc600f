import { describe, expect, it } from 'vitest';
import { matchesSearch } from '../src/lib/job-search.ts';
import { jobView } from '../../test/support/job-view.ts';

const cat = jobView('1', {
  fileName: 'holiday.jpg',
  status: 'done',
  result: {
    model: 'm',
    backend: 'wasm',
    inferenceMs: 50,
    predictions: [
      { index: 281, label: 'tabby, tabby cat', probability: 0.8 },
      { index: 285, label: 'Egyptian cat', probability: 0.1 },
    ],
  },
});

describe('matchesSearch', () => {
  it('matches any predicted label, synonyms included, ignoring case', () => {
    expect(matchesSearch(cat, 'Tabby')).toBe(true);
    expect(matchesSearch(cat, 'egyptian')).toBe(true);
    expect(matchesSearch(cat, 'tabby cat')).toBe(true);
  });

  it('matches the file name too', () => {
    expect(matchesSearch(cat, 'holiday')).toBe(true);
  });

  it('needs every word to match', () => {
    expect(matchesSearch(cat, 'tabby dog')).toBe(false);
  });

  it('lets everything through for an empty query, and nothing unlabelled for a label', () => {
    expect(matchesSearch(jobView('2'), '  ')).toBe(true);
    expect(matchesSearch(jobView('2'), 'tabby')).toBe(false);
  });
});
