// Signing and checking worker identity tokens: HMAC-SHA256 over the id and the class, keyed with the
// master secret, so a token cannot be made for another id or class without the secret. The same key tags
// the networks workers connect from.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WorkerClass, WorkerIdentity } from '../protocol.ts';

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

export class WorkerTokens {
  constructor(private readonly secret: string) {}

  issue(workerClass: WorkerClass): WorkerIdentity {
    const workerId = newWorkerId();
    return { workerId, token: this.sign(workerId, workerClass) };
  }

  /** The class the token was issued for, or null when it verifies for none (forged, or another secret's). */
  classOf({ workerId, token }: WorkerIdentity): WorkerClass | null {
    const given = Buffer.from(token);
    for (const workerClass of ['trusted', 'volunteer'] as const) {
      const expected = Buffer.from(this.sign(workerId, workerClass));
      if (given.length === expected.length && timingSafeEqual(given, expected)) return workerClass;
    }
    return null;
  }

  /**
   * An opaque tag for a client network (http/client-address.ts), the same on every master sharing the secret:
   * attempts keep it to count volunteers once per network without keeping anyone's address.
   */
  networkTag(network: string): string {
    return createHmac('sha256', this.secret).update(`network:${network}`).digest('base64url').slice(0, 16);
  }

  private sign(workerId: string, workerClass: WorkerClass): string {
    return createHmac('sha256', this.secret).update(`${workerId}.${workerClass}`).digest('base64url');
  }
}
