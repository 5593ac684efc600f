// Owner keys: what an anonymous submitter holds to prove a job is theirs. A key is an owner id and an
// HMAC-SHA256 of it, keyed with a key derived from the master secret (the one that signs worker tokens), so
// the master issues keys without storing them, every master sharing the secret accepts them, and a client
// cannot pick a weak one or make one for another owner. The store keeps only the owner id, never the key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Owner ids of anonymous submitters start with this; API keys' owners with `key-`, the admin's is `admin`. */
const ANONYMOUS = 'anon-';

export class OwnerKeys {
  private readonly signingKey: Buffer;

  constructor(secret: string) {
    // A key of its own, so an owner key can never pass for a worker token or the other way round.
    this.signingKey = createHmac('sha256', secret).update('owner keys').digest();
  }

  /** A new owner: its id (stored on its jobs) and its key (given to the client, never stored). */
  issue(): { owner: string; key: string } {
    const owner = ANONYMOUS + randomBytes(16).toString('base64url');
    return { owner, key: `${owner}.${this.sign(owner)}` };
  }

  /** The owner id a key proves, or null when it is not a key this secret issued. */
  ownerOf(key: string): string | null {
    const dot = key.lastIndexOf('.');
    const owner = key.slice(0, dot);
    if (dot < 0 || !owner.startsWith(ANONYMOUS)) return null;
    const given = Buffer.from(key.slice(dot + 1));
    const expected = Buffer.from(this.sign(owner));
    return given.length === expected.length && timingSafeEqual(given, expected) ? owner : null;
  }

  private sign(owner: string): string {
    return createHmac('sha256', this.signingKey).update(owner).digest('base64url');
  }
}
