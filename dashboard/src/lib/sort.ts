export type SortKey = "name" | "conversions" | "uniqueConversions" | "conversionRate" | "revenue" | "change";
export type SortDirection = "ascending" | "descending";

export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

export interface SortableRow {
  name: string;
  /** The figures below are null for a goal whose stats are unavailable. */
  conversions: number | null;
  uniqueConversions: number | null;
  conversionRate: number | null;
  /** The revenue's amount; null for a goal without currency (or without stats). */
  revenue: number | null;
  /** The change of conversions; null when the previous period had none. */
  change: number | null;
}

/** Names sort A to Z first, numbers largest first. */
export function defaultDirection(key: SortKey): SortDirection {
  return key === "name" ? "ascending" : "descending";
}

/** Clicking a column sorts by it; clicking it again reverses the order. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key !== key) return { key, direction: defaultDirection(key) };
  return { key, direction: current.direction === "ascending" ? "descending" : "ascending" };
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

/** A sorted copy; a missing number (no revenue, no change, no stats) always sorts last, then by name. */
export function sortRows<T extends SortableRow>(rows: readonly T[], sort: SortState): T[] {
  const sign = sort.direction === "ascending" ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (sort.key === "name") return sign * collator.compare(a.name, b.name);
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === null && y === null) return collator.compare(a.name, b.name);
    if (x === null) return 1;
    if (y === null) return -1;
    return sign * (x - y) || collator.compare(a.name, b.name);
  });
}
