// How many new volunteer identities one address is issued per window. Identities are free: a blacklisted
// saboteur comes straight back as a new one, and a script can mint as many as it likes to stand for many
// volunteers. Each address gets a few (a household, a classroom behind one NAT), then waits for the window to
// pass; a page that keeps its identity is never counted again. IPv6 addresses count by /64 (http/client-address.ts).
// Counted as API requests are (http/address-limiter.ts), across masters sharing Redis.
import { addressLimiter, type AddressLimiter, type SharedCounts } from '../http/address-limiter.ts';
import { addressGroup } from '../http/client-address.ts';

export interface NewIdentityLimits {
  /** New volunteer identities one address is issued in a window... */
  maxNewIdentitiesPerAddress: number;
  /** ...of this length. */
  newIdentityWindowMs: number;
  /** Addresses counted apart in a window (http/counted-addresses.ts). */
  maxCountedAddresses: number;
}

export class NewIdentityRate {
  private readonly limiter: AddressLimiter;

  constructor(
    private readonly limits: NewIdentityLimits,
    shared?: SharedCounts,
  ) {
    this.limiter = addressLimiter(limits.maxNewIdentitiesPerAddress, limits.newIdentityWindowMs, limits.maxCountedAddresses, 'new-identities', shared);
  }

  /** Counts one new identity for the address: null if it may have it, else why not, in plain words. */
  async take(address: string): Promise<string | null> {
    const seconds = await this.limiter.take(addressGroup(address));
    if (seconds === null) return null;
    const { maxNewIdentitiesPerAddress: most, newIdentityWindowMs: windowMs } = this.limits;
    return `over ${most} new ${most === 1 ? 'identity' : 'identities'} from your address in ${windowMs / 60_000} min; try again in ${seconds} s`;
  }
}
