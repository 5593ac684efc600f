import { DisplayName, VolunteerId } from '../../../master/protocol.ts';

const ID_KEY = 'grid-volunteer-id';
const NAME_KEY = 'grid-volunteer-name';

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** 22 random URL-safe characters (132 bits): unguessable, and kept by this browser only. */
export function randomVolunteerId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from(crypto.getRandomValues(new Uint8Array(22)), (byte) => alphabet[byte & 63]).join('');
}

/**
 * Who this browser's work is credited to: a random id made on the first visit and kept in
 * localStorage (never shown), and a display name only if the volunteer chose one.
 */
export class VolunteerIdentity {
  readonly id: string;
  displayName: string | null;

  constructor(private readonly storage: () => Storage) {
    const saved = VolunteerId.safeParse(this.load(ID_KEY));
    this.id = saved.success ? saved.data : this.save(ID_KEY, randomVolunteerId());
    const name = DisplayName.safeParse(this.load(NAME_KEY));
    this.displayName = name.success ? name.data : null;
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
