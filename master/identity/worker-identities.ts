// Who a connecting worker is, and how far its answers are trusted. The master issues each new worker
// an identity (id + signed, dated token); a returning page presents it in its hello and stays itself, with
// its credit and history, and is welcomed with a fresh token, so only an identity idle past the token max age
// expires. Only the fleet token earns the trusted class: a name or a kind claims nothing.
import { timingSafeEqual } from 'node:crypto';
import { addressGroup } from '../http/client-address.ts';
import { CloseCode, type HelloMessage, type WorkerClass, type WorkerIdentity } from '../protocol.ts';
import type { IdentityStore, TrustRecord } from './identity-store.ts';
import type { NewIdentityRate } from './new-identity-rate.ts';
import { newSecret, newWorkerId, WorkerTokens } from './worker-tokens.ts';

/** An admitted worker: its identity, its class, and the tag of the network it connected from (WorkerRef.network). */
export interface Admitted {
  identity: WorkerIdentity;
  workerClass: WorkerClass;
  network: string;
}

export type Admission = ({ admitted: true } & Admitted) | { admitted: false; closeCode: number; reason: string };

const refuse = (closeCode: number, reason: string): Admission => ({ admitted: false, closeCode, reason });

export class WorkerIdentities {
  /**
   * With no configured secret, the one kept in the store (made by the first master to need it), so
   * tokens outlive a restart and every master on the same Redis accepts them.
   */
  static async open(
    store: IdentityStore,
    options: { secret?: string; fleetToken?: string; newIdentities: NewIdentityRate; tokenMaxAgeMs: number },
  ): Promise<WorkerIdentities> {
    const secret = options.secret ?? (await store.secretOr(newSecret()));
    return new WorkerIdentities(store, new WorkerTokens(secret, options.tokenMaxAgeMs), options.fleetToken, options.newIdentities);
  }

  private constructor(
    private readonly store: IdentityStore,
    private readonly tokens: WorkerTokens,
    private readonly fleetToken: string | undefined,
    private readonly newIdentities: NewIdentityRate,
  ) {}

  /**
   * The identity and class a hello from `address` earns, with a token issued now, or the close code and reason that
   * refuse it. The identity is noted as seen before its token is issued, so no token is newer than the identity's
   * last sighting, and one forgotten by retention (idle past the max age) can present none that is not expired.
   */
  async admit(hello: Pick<HelloMessage, 'identity' | 'fleetToken'>, address: string): Promise<Admission> {
    const admitted = async (workerId: string, workerClass: WorkerClass): Promise<Admission> => ({
      admitted: true,
      identity: await this.renew(workerId, workerClass),
      workerClass,
      network: this.tokens.networkTag(addressGroup(address)),
    });
    if (hello.fleetToken !== undefined && !this.isFleetToken(hello.fleetToken)) {
      return refuse(CloseCode.badFleetToken, 'fleet token refused');
    }
    const earned: WorkerClass = hello.fleetToken !== undefined ? 'trusted' : 'volunteer';
    if (!hello.identity) {
      // Only the operator's fleet mints trusted identities; a volunteer's are bounded per address.
      const refusal = earned === 'volunteer' ? await this.newIdentities.take(address) : null;
      if (refusal) return refuse(CloseCode.tooManyNewIdentities, refusal);
      return admitted(newWorkerId(), earned);
    }
    const token = this.tokens.check(hello.identity);
    if (!token.valid && token.why === 'expired') return refuse(CloseCode.identityExpired, 'worker identity token expired (unused too long)');
    if (!token.valid) return refuse(CloseCode.badIdentityToken, 'worker identity token does not verify');
    if (await this.store.isRevoked(hello.identity.workerId)) return refuse(CloseCode.identityRevoked, 'worker identity revoked');
    if (token.workerClass === 'trusted' && earned === 'volunteer') return refuse(CloseCode.fleetTokenRequired, 'a trusted identity needs the fleet token');
    // A volunteer page that now holds the fleet token becomes a new, trusted identity.
    if (token.workerClass !== earned) return admitted(newWorkerId(), earned);
    return admitted(hello.identity.workerId, earned);
  }

  /** The identity with a token issued now, noted as seen first (see admit). */
  async renew(workerId: string, workerClass: WorkerClass): Promise<WorkerIdentity> {
    await this.store.seen(workerId);
    return this.tokens.renew(workerId, workerClass);
  }

  /** Whether the token a connected page holds is old enough to renew over its socket (a quarter of the max age). */
  renewalDue(identity: WorkerIdentity): boolean {
    return this.tokens.renewalDue(identity.token);
  }

  /** Whether the credentials are an unexpired identity this master issued and has not revoked (for HTTP asks). */
  async verify(identity: WorkerIdentity): Promise<boolean> {
    return this.tokens.check(identity).valid && !(await this.store.isRevoked(identity.workerId));
  }

  /** What spot checks have shown about the identity (identity-store.ts). */
  trustRecord(workerId: string): Promise<TrustRecord> {
    return this.store.trustRecord(workerId);
  }

  private isFleetToken(given: string): boolean {
    if (!this.fleetToken) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.fleetToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
