/** The fragment key the operator's worker page carries its fleet token in: a fragment never reaches the server or its logs. */
export const FLEET_TOKEN_PARAM = 'fleet-token';
const STORAGE_KEY = 'grid-fleet-token';

type TabStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * The fleet token this tab holds. One in the URL fragment (#fleet-token=...) is taken out of the address bar at once,
 * so it is not shown, bookmarked or shared, and kept in sessionStorage, replacing any kept before: a reload of the tab
 * stays the operator's worker, while a tab opened afresh, or a volunteer's page, has none.
 */
export function takeFleetToken(
  location: Pick<Location, 'hash' | 'href'>,
  history: Pick<History, 'replaceState' | 'state'>,
  storage: () => TabStorage,
): string | undefined {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const given = fragment.get(FLEET_TOKEN_PARAM);
  if (given !== null) {
    fragment.delete(FLEET_TOKEN_PARAM);
    const url = new URL(location.href);
    url.hash = fragment.toString();
    history.replaceState(history.state, '', url.toString());
  }
  try {
    const store = storage(); // merely touching sessionStorage throws when the browser blocks it
    if (given) store.setItem(STORAGE_KEY, given);
    return store.getItem(STORAGE_KEY) || undefined;
  } catch {
    return given || undefined; // storage blocked: the token lasts this load only
  }
}

/** The master refused the token: the tab drops it, so its next load is a volunteer's page rather than one refused again. */
export function forgetFleetToken(storage: () => TabStorage): void {
  try {
    storage().removeItem(STORAGE_KEY);
  } catch {
    // storage blocked: nothing was kept
  }
}
