// Signing and checking worker identity tokens: HMAC-SHA256 over the id, the class and the issue time, keyed with the
// master secret, so a token cannot be made for another id, class or time without the secret, and one older than the
// max age is refused. The same key tags the networks workers connect from.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { datedToken, tokenParts, type WorkerClass, type WorkerIdentity } from '../protocol.ts';

/** 22 random URL-safe characters (132 bits): unguessable. */
export function newWorkerId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** A fresh secret for masters that were given none (256 bits, base64url). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The operator's fleet token when FLEET_TOKEN is unset: derived from the master secret, so it outlives a restart
 * and every master sharing the secret accepts it. Its input has no '.', so it is never a worker token.
 */
export function derivedFleetToken(secret: string): string {
  return createHmac('sha256', secret).update('operator:fleet-token').digest('base64url');
}

/** What a presented token proves: the class it was issued for, or why it proves none. */
export type TokenCheck = { valid: true; workerClass: WorkerClass } | { valid: false; why: 'forged' | 'expired' };

export class WorkerTokens {
  /** `maxAgeMs`: IDENTITY_TOKEN_MAX_AGE_MS; `now` is the clock the issue times are read and checked by. */
  constructor(
    private readonly secret: string,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for the id and class, dated now: for a new identity, or renewing one presented. */
  renew(workerId: string, workerClass: WorkerClass): WorkerIdentity {
    const issuedAt = this.now();
    return { workerId, token: datedToken(issuedAt, this.sign(workerId, workerClass, issuedAt)) };
  }

  /** Whether a token a connected page holds should be renewed: a quarter of the max age old (or undated). */
  renewalDue(token: string): boolean {
    const issuedAt = tokenParts(token)?.issuedAt;
    return issuedAt === undefined || this.now() - issuedAt >= this.maxAgeMs / 4;
  }

  /**
   * The class the token was issued for; forged when it verifies for none (altered, or another secret's), expired when
   * it is older than the max age, dated more than that ahead, or undated (issued before tokens expired, so its age is
   * unknown).
   */
  check({ workerId, token }: WorkerIdentity): TokenCheck {
    const parts = tokenParts(token);
    if (!parts) return { valid: false, why: 'expired' };
    const given = Buffer.from(parts.signature);
    for (const workerClass of ['trusted', 'volunteer'] as const) {
      const expected = Buffer.from(this.sign(workerId, workerClass, parts.issuedAt));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) continue;
      // Dated ahead by more than a max age, it was signed on a clock too far off to judge its age by.
      const age = this.now() - parts.issuedAt;
      return Math.abs(age) > this.maxAgeMs ? { valid: false, why: 'expired' } : { valid: true, workerClass };
    }
    return { valid: false, why: 'forged' };
  }

  /**
   * An opaque tag for a client network (http/client-address.ts), the same on every master sharing the secret:
   * attempts keep it to count volunteers once per network without keeping anyone's address.
   */
  networkTag(network: string): string {
    return createHmac('sha256', this.secret).update(`network:${network}`).digest('base64url').slice(0, 16);
  }

  private sign(workerId: string, workerClass: WorkerClass, issuedAt: number): string {
    return createHmac('sha256', this.secret).update(`${workerId}.${workerClass}.${issuedAt}`).digest('base64url');
  }
}
