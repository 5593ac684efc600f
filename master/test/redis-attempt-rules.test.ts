// The Redis store's attempt rules (attempt-rules.lua) are the twin of attempt-rules.ts: run in a real Redis, they
// give the same answer on every history of up to three attempts, under three sets of limits.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { afterAttempt, type AttemptFacts } from '../store/attempt-rules.ts';
import { LuaScript, readLua } from '../store/redis/lua-scripts.ts';
import { DEFAULT_TEST_LIMITS, TEST_REDIS_URL } from '../../test/support/stores.ts';

const LIMITS = DEFAULT_TEST_LIMITS;
const admin = new Redis(TEST_REDIS_URL);
afterAll(() => admin.quit());

describe('Lua attempt rules', () => {
  /** Every history of up to three attempts of these kinds, under three sets of limits: the Lua twin's answers are afterAttempt's. */
  async function expectTwinsAgree(kinds: Omit<AttemptFacts, 'attempt'>[]) {
    const histories: AttemptFacts[][] = [[]];
    for (let length = 0; length < 3; length++)
      for (const history of histories.filter((h) => h.length === length))
        for (const kind of kinds) histories.push([...history, { ...kind, attempt: length + 1 }]);
    const cases = histories
      .slice(1)
      .flatMap((attempts) =>
        [LIMITS, { ...LIMITS, maxAttempts: 1, maxLeases: 1, failureQuorum: 1 }, { ...LIMITS, maxAttempts: 2, maxLeases: 3, failureQuorum: 3 }].map(
          (limits) => ({ attempts, limits }),
        ),
      );
    // One script call answers every case; attempts travel as the scripts store them (trusted and final as 1 or 0).
    const rule = new LuaScript(
      `${readLua('attempt-rules')}
       local answers = {}
       for i, c in ipairs(cjson.decode(ARGV[1])) do
         local status, failures, trusted_only = after_attempt(c.attempts, c.maxAttempts, c.maxLeases, c.failureQuorum)
         answers[i] = { status, failures, trusted_only and 1 or 0 }
       end
       return answers`,
    );
    const stored = cases.map(({ attempts, limits }) => ({
      attempts: attempts.map((a) => ({ ...a, trusted: a.trusted ? 1 : 0, final: a.final ? 1 : 0 })),
      ...limits,
    }));
    const fromLua = ((await rule.run(admin, [], [JSON.stringify(stored)])) as [string, number, number][]).map(([status, failures, trustedOnly]) => ({
      status,
      failures,
      trustedOnly: trustedOnly === 1,
    }));
    const fromTs = cases.map(({ attempts, limits }) => afterAttempt(attempts, limits));
    expect(fromLua).toEqual(fromTs);
    return fromTs;
  }

  it('agree with afterAttempt on every history of up to three attempts', async () => {
    // Every attempt as the stores keep it: a trusted worker or one of two volunteer identities, and how it ended.
    const kinds: Omit<AttemptFacts, 'attempt'>[] = [];
    for (const [identity, trusted] of [
      ['fleet', true],
      ['volunteer-a', false],
      ['volunteer-b', false],
    ] as const)
      for (const outcome of ['failed', 'expired', 'lost', 'recovered', 'refused', 'image-missing', 'answered'] as const)
        for (const final of outcome === 'failed' ? [true, false] : [false]) kinds.push({ identity, trusted, outcome, final });
    const answers = await expectTwinsAgree(kinds);
    expect(new Set(answers.map((next) => `${next.status}/${next.trustedOnly}`))).toEqual(
      new Set(['queued/false', 'queued/true', 'failed/false', 'failed/true']),
    );
  });

  it('agree with afterAttempt on volunteers sharing, changing or lacking a network', async () => {
    const kinds: Omit<AttemptFacts, 'attempt'>[] = [];
    for (const [identity, network] of [
      ['volunteer-a', 'net-1'],
      ['volunteer-b', 'net-1'],
      ['volunteer-b', 'net-2'],
      ['volunteer-c', undefined],
    ] as const)
      for (const [outcome, final] of [
        ['failed', true],
        ['expired', false],
        ['lost', false],
      ] as const)
        kinds.push({ identity, network, trusted: false, outcome, final });
    const answers = await expectTwinsAgree(kinds);
    expect(new Set(answers.map((next) => next.trustedOnly))).toEqual(new Set([false, true]));
  });
});
