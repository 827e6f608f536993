export const READ = "analytics:read";
export const WRITE = "analytics:write";

export interface Capabilities {
  /** Stats, previews, the goal list and live conversions. */
  read: boolean;
  /** Create, edit and delete goals. */
  write: boolean;
}

export function capabilities(scopes: readonly string[]): Capabilities {
  return { read: scopes.includes(READ), write: scopes.includes(WRITE) };
}
