// A store that answers slowly: its calls of one method wait until the test lets them go, or until the store has closed.

export interface HeldCalls {
  /** Lets every held call go on. */
  release(): void;
  /** How many calls of the method were made so far, held or not. */
  count(): number;
}

type Call = (...args: unknown[]) => Promise<unknown>;
type AsyncMethodKey<S> = { [K in keyof S]: S[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof S] & string;

/**
 * Holds every call of `store[method]` until `release()`, and releases them once `store.close()` has closed the store:
 * a master that closes its stores without waiting for the call sees it go on against a closed store. `onCall` runs as
 * each call is made, before anything else can happen: a test may close the master at that very point.
 */
export function holdCalls<S extends { close(): Promise<void> }, K extends AsyncMethodKey<S>>(store: S, method: K, onCall?: () => void): HeldCalls {
  const methods = store as unknown as Record<string, Call>;
  const original = (methods[method] as Call).bind(store);
  const closeStore = store.close.bind(store);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  methods[method] = async (...args) => {
    calls++;
    onCall?.();
    await released;
    return original(...args);
  };
  store.close = async () => {
    await closeStore();
    release();
  };
  return { release, count: () => calls };
}
