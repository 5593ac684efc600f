// A worker page's own job failures in a row: a dead backend reloads its classifier at once the first time, and only
// after a wait in 'error' when broken again with nothing classified since.
import { describe, expect, it } from 'vitest';
import { BROKEN_AFTER_FAILURES, BROKEN_AGAIN_RELOAD_MS, FailureStreak } from '../src/worker-runtime/failure-streak.ts';

const failTimes = (streak: FailureStreak, times: number) => Array.from({ length: times }, () => streak.failed());

describe('a failure streak', () => {
  it(`reloads at once after ${BROKEN_AFTER_FAILURES} failures in a row, and waits before the next reload if broken again`, () => {
    const streak = new FailureStreak();
    expect(failTimes(streak, BROKEN_AFTER_FAILURES)).toEqual([...Array<null>(BROKEN_AFTER_FAILURES - 1).fill(null), 0]);
    expect(failTimes(streak, BROKEN_AFTER_FAILURES)).toEqual([...Array<null>(BROKEN_AFTER_FAILURES - 1).fill(null), BROKEN_AGAIN_RELOAD_MS]);
  });

  it('starts over once a job is classified: failures apart are no streak, and a working reload is forgiven', () => {
    const streak = new FailureStreak();
    for (let i = 0; i < 10; i++) {
      expect(failTimes(streak, BROKEN_AFTER_FAILURES - 1)).toEqual(Array(BROKEN_AFTER_FAILURES - 1).fill(null));
      streak.succeeded();
    }
    failTimes(streak, BROKEN_AFTER_FAILURES);
    streak.succeeded();
    expect(failTimes(streak, BROKEN_AFTER_FAILURES).at(-1)).toBe(0);
  });
});
