import { DisplayName, tokenParts, WorkerIdentity } from '../../../master/protocol.ts';

/**
 * Where the identity the master issued this browser (id and signed token) is kept, as JSON: a volunteer's, or the
 * fleet's (a tab opened with the operator's fleet token), apart, so that opening a fleet tab in a volunteer's browser
 * never replaces the volunteer's identity and its credit.
 */
export const IDENTITY_KEYS = { volunteer: 'grid-worker-identity', fleet: 'grid-fleet-identity' } as const;
const NAME_KEY = 'grid-volunteer-name';

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** When the token was issued; undated ones (from before tokens expired) count as oldest. */
const issuedAt = ({ token }: WorkerIdentity): number => tokenParts(token)?.issuedAt ?? -1;

function parseIdentity(json: string | null): WorkerIdentity | null {
  try {
    const parsed = WorkerIdentity.safeParse(JSON.parse(json ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Who this browser's work is credited to: the identity the master issued on the first visit, kept in
 * localStorage (never shown) and presented on every connect, and a display name only if the volunteer chose one.
 */
export class VolunteerIdentity {
  displayName: string | null;

  private key: string;
  /** The identity this tab presents; null until the master issued one (or after it refused the one kept). */
  private held: WorkerIdentity | null;

  constructor(
    private readonly storage: () => Storage,
    kind: keyof typeof IDENTITY_KEYS = 'volunteer',
  ) {
    this.key = IDENTITY_KEYS[kind];
    this.held = this.stored();
    const name = DisplayName.safeParse(this.load(NAME_KEY));
    this.displayName = name.success ? name.data : null;
  }

  /**
   * The identity to present; without one, whatever another tab of this browser has stored since. Another tab working
   * on renews the token they share: the newest is presented, or a tab idle past the max age would be refused and
   * start another identity.
   */
  get current(): WorkerIdentity | null {
    const stored = this.stored();
    if (this.held && stored?.workerId === this.held.workerId && issuedAt(stored) > issuedAt(this.held)) this.held = stored;
    this.held ??= stored;
    return this.held;
  }

  /**
   * Keeps the identity the master's welcome named: a new one, or the one presented with a fresh token (each welcome
   * renews it, so a volunteer who keeps coming back never holds one older than IDENTITY_TOKEN_MAX_AGE_MS). Tabs
   * opened together each ask for one: the first stored stays the browser's, and a later tab presents it from its next
   * connect, so a volunteer's work is not split over identities.
   */
  remember(identity: WorkerIdentity): void {
    if (this.held?.workerId === identity.workerId && this.held.token === identity.token) return;
    const otherTabs = this.held === null ? this.stored() : null;
    this.held = otherTabs ?? identity;
    if (!otherTabs) this.save(this.key, JSON.stringify(identity));
  }

  /**
   * The tab runs as a volunteer's page from now on (the master refused its fleet token): it presents the volunteer's
   * identity, as a reload of the tab would, and leaves the fleet's where it is kept.
   */
  becomeVolunteer(): void {
    if (this.key === IDENTITY_KEYS.volunteer) return;
    this.key = IDENTITY_KEYS.volunteer;
    this.held = this.stored();
  }

  /**
   * The master refused the identity (revoked, expired, or signed by another master): the next connect gets a new one.
   * What another tab stored since (a fresher token, a new identity) is not the refused one, and stays.
   */
  forget(): void {
    const refused = this.held;
    this.held = null;
    if (!refused || this.stored()?.token === refused.token) this.remove(this.key);
  }

  /** Opts in with a name (checked as the master will), or out with null; returns an error message or null. */
  setDisplayName(name: string | null): string | null {
    if (name === null || name.trim() === '') {
      this.displayName = null;
      this.remove(NAME_KEY);
      return null;
    }
    const parsed = DisplayName.safeParse(name);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'not a valid name';
    this.displayName = parsed.data;
    this.save(NAME_KEY, parsed.data);
    return null;
  }

  private stored(): WorkerIdentity | null {
    return parseIdentity(this.load(this.key));
  }

  private load(key: string): string | null {
    try {
      return this.storage().getItem(key);
    } catch {
      return null;
    }
  }

  private save(key: string, value: string): string {
    try {
      this.storage().setItem(key, value);
    } catch {
      // Storage blocked (privacy mode): this identity lasts this visit only.
    }
    return value;
  }

  private remove(key: string): void {
    try {
      this.storage().removeItem(key);
    } catch {
      // nothing stored, nothing to remove
    }
  }
}
