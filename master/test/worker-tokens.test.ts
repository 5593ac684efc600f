// Network tags: what attempts keep of the network a volunteer connected from, to count the identities of one
// network once (attempt-rules.ts) without keeping anyone's address.
import { describe, expect, it } from 'vitest';
import { addressGroup } from '../http/client-address.ts';
import { newSecret, WorkerTokens } from '../identity/worker-tokens.ts';

describe('network tags', () => {
  const secret = newSecret();
  const tag = (address: string, tokens = new WorkerTokens(secret)) => tokens.networkTag(addressGroup(address));

  it('are the same for one network on every master sharing the secret, and differ between networks', () => {
    expect(tag('203.0.113.7')).toBe(tag('203.0.113.7', new WorkerTokens(secret)));
    expect(tag('::ffff:203.0.113.7')).toBe(tag('203.0.113.7'));
    expect(tag('2001:db8:1:2::1')).toBe(tag('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(new Set([tag('203.0.113.7'), tag('203.0.113.8'), tag('2001:db8:1:2::1'), tag('2001:db8:1:3::1')]).size).toBe(4);
  });

  it('say nothing of the address without the secret', () => {
    expect(tag('203.0.113.7')).not.toBe(tag('203.0.113.7', new WorkerTokens(newSecret())));
    expect(tag('203.0.113.7')).toMatch(/^[\w-]{16}$/);
  });
});
