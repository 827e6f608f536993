// The API token lives in sessionStorage only: it is gone when the tab closes,
// is never sent as a cookie, and never reaches localStorage.
export const TOKEN_KEY = "goalgate.dashboard.token";

export function loadToken(storage: Storage = sessionStorage): string | null {
  const value = storage.getItem(TOKEN_KEY);
  return value && value.trim() ? value : null;
}

export function saveToken(token: string, storage: Storage = sessionStorage): void {
  storage.setItem(TOKEN_KEY, token.trim());
}

export function clearToken(storage: Storage = sessionStorage): void {
  storage.removeItem(TOKEN_KEY);
}

/** A pasted token, tidied: surrounding space and a leading "Bearer " dropped. */
export function normalizeToken(raw: string): string {
  return raw.trim().replace(/^bearer\s+/i, "").trim();
}
