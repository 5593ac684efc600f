const KEY = 'grid-admin-token';

// sessionStorage: the token lives as long as this tab, never on disk for the next person.
// Touching storage throws when the browser blocks it; the dialog then simply asks every time.

export function savedAdminToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveAdminToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // see above
  }
}

export function forgetAdminToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // see above
  }
}
