// Worker tokens, a pure computation checked with a clock of the test's own: a token is dated, proves its id and class
// until IDENTITY_TOKEN_MAX_AGE_MS have passed, and is refused as expired after, as is an undated one from before
// tokens expired; an altered one is forged. Network tags: what attempts keep of the network a volunteer connected
// from, to count the identities of one network once (attempt-rules.ts) without keeping anyone's address.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addressGroup } from '../http/client-address.ts';
import { newSecret, newWorkerId, WorkerTokens } from '../identity/worker-tokens.ts';
import { WorkerIdentity } from '../protocol.ts';

const DAY = 24 * 3_600_000;
const MAX_AGE = 30 * DAY;

describe('worker tokens', () => {
  const secret = newSecret();
  let clock = Date.UTC(2026, 0, 1);
  const tokens = new WorkerTokens(secret, MAX_AGE, () => clock);

  it('are dated, and prove the id and class they were issued for until the max age has passed', () => {
    const issuedAt = clock;
    const identity = tokens.renew(newWorkerId(), 'volunteer');
    expect(WorkerIdentity.parse(identity)).toEqual(identity);
    expect(identity.token).toMatch(new RegExp(`^${issuedAt}\\.[A-Za-z0-9_-]{43}$`));
    expect(tokens.check(identity)).toEqual({ valid: true, workerClass: 'volunteer' });
    clock = issuedAt + MAX_AGE;
    expect(tokens.check(identity)).toEqual({ valid: true, workerClass: 'volunteer' });
    clock = issuedAt + MAX_AGE + 1;
    expect(tokens.check(identity)).toEqual({ valid: false, why: 'expired' });
    // Renewed: the same id and class, dated now.
    const renewed = tokens.renew(identity.workerId, 'volunteer');
    expect(renewed.workerId).toBe(identity.workerId);
    expect(renewed.token).not.toBe(identity.token);
    expect(tokens.check(renewed)).toEqual({ valid: true, workerClass: 'volunteer' });
  });

  it('are due for renewal over a long connection once a quarter of the max age old', () => {
    const issuedAt = clock;
    const { token } = tokens.renew(newWorkerId(), 'volunteer');
    expect(tokens.renewalDue(token)).toBe(false);
    clock = issuedAt + MAX_AGE / 4 - 1;
    expect(tokens.renewalDue(token)).toBe(false);
    clock = issuedAt + MAX_AGE / 4;
    expect(tokens.renewalDue(token)).toBe(true);
  });

  it('refuse an altered signature, class or issue time as forged, and one of another secret', () => {
    const identity = tokens.renew(newWorkerId(), 'trusted');
    const [issuedAt, signature] = identity.token.split('.') as [string, string];
    const flipped = `${signature[5] === 'A' ? 'B' : 'A'}`;
    expect(tokens.check({ ...identity, token: `${issuedAt}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}` })).toEqual({
      valid: false,
      why: 'forged',
    });
    // A later date on the same signature (to outlive the max age) does not verify.
    expect(tokens.check({ ...identity, token: `${Number(issuedAt) + DAY}.${signature}` })).toEqual({ valid: false, why: 'forged' });
    expect(tokens.check({ ...identity, workerId: newWorkerId() })).toEqual({ valid: false, why: 'forged' });
    expect(new WorkerTokens(newSecret(), MAX_AGE, () => clock).check(identity)).toEqual({ valid: false, why: 'forged' });
  });

  it('refuse a token dated more than the max age ahead, signed on a clock too far off to judge its age by', () => {
    const now = clock;
    const ahead = (ms: number) => new WorkerTokens(secret, MAX_AGE, () => now + ms).renew(newWorkerId(), 'volunteer');
    expect(tokens.check(ahead(MAX_AGE))).toEqual({ valid: true, workerClass: 'volunteer' });
    expect(tokens.check(ahead(MAX_AGE + 1))).toEqual({ valid: false, why: 'expired' });
  });

  it('take an issue time in one spelling only: no leading zero', () => {
    const identity = tokens.renew(newWorkerId(), 'volunteer');
    expect(WorkerIdentity.safeParse({ ...identity, token: `0${identity.token}` }).success).toBe(false);
    expect(WorkerIdentity.safeParse({ ...identity, token: `0.${identity.token.split('.')[1]}` }).success).toBe(true);
  });

  it('refuse an undated token, as issued before tokens expired, as expired however it was signed', () => {
    const workerId = newWorkerId();
    const undated = createHmac('sha256', secret).update(`${workerId}.volunteer`).digest('base64url');
    const identity = WorkerIdentity.parse({ workerId, token: undated });
    expect(tokens.check(identity)).toEqual({ valid: false, why: 'expired' });
  });
});

describe('network tags', () => {
  const secret = newSecret();
  const tag = (address: string, tokens = new WorkerTokens(secret, MAX_AGE)) => tokens.networkTag(addressGroup(address));

  it('are the same for one network on every master sharing the secret, and differ between networks', () => {
    expect(tag('203.0.113.7')).toBe(tag('203.0.113.7', new WorkerTokens(secret, MAX_AGE)));
    expect(tag('::ffff:203.0.113.7')).toBe(tag('203.0.113.7'));
    expect(tag('2001:db8:1:2::1')).toBe(tag('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(new Set([tag('203.0.113.7'), tag('203.0.113.8'), tag('2001:db8:1:2::1'), tag('2001:db8:1:3::1')]).size).toBe(4);
  });

  it('say nothing of the address without the secret', () => {
    expect(tag('203.0.113.7')).not.toBe(tag('203.0.113.7', new WorkerTokens(newSecret(), MAX_AGE)));
    expect(tag('203.0.113.7')).toMatch(/^[\w-]{16}$/);
  });
});
