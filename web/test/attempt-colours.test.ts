// The colour of each attempt's outcome on the job page: every attempt that ended without an answer the master took
// reads as failed, the master's own image-missing verdict and an answer it refused as nonsense included.
import { describe, expect, it } from 'vitest';
import { AttemptOutcome } from '../../master/api-types.ts';
import { attemptTimelineStyles } from '../src/components/attempt-timeline.styles.ts';

/** Each outcome's colour, read off the stylesheet's `li[data-outcome='…'] { --outcome: var(--colour) }` rules. */
function colours(): Record<string, string> {
  const byOutcome: Record<string, string> = {};
  for (const [, selectors, colour] of attemptTimelineStyles.cssText.matchAll(/([^{}]+)\{\s*--outcome:\s*var\((--[\w-]+)\);\s*\}/g))
    for (const [, outcome] of selectors!.matchAll(/data-outcome='([\w-]+)'/g)) byOutcome[outcome!] = colour!;
  return byOutcome;
}

describe('attempt timeline colours', () => {
  it('draws failed, expired, lost, refused and image-missing attempts in the failed colour; others in their own or the default', () => {
    const shown = colours();
    expect(Object.keys(shown).every((outcome) => AttemptOutcome.options.includes(outcome as AttemptOutcome))).toBe(true);
    expect(shown).toEqual({
      done: '--status-done',
      running: '--status-leased',
      failed: '--status-failed',
      expired: '--status-failed',
      lost: '--status-failed',
      refused: '--status-failed',
      'image-missing': '--status-failed',
    });
  });
});
