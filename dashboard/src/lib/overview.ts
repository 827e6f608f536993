// The site overview's arithmetic: changes against the previous period, the
// length of a visit, and the width of a top list's bars.
import type { Dimension } from "../gql/operations";

/** (current - previous) / previous, as goalgate's StatsChange; null when previous is 0. */
export function relativeChange(current: number, previous: number | null | undefined): number | null {
  if (previous === null || previous === undefined || previous === 0 || !Number.isFinite(previous)) return null;
  return (current - previous) / previous;
}

/** Seconds as a person reads a visit's length: "45s", "3m 07s", "1h 02m". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(Number.isFinite(seconds) ? seconds : 0));
  if (whole < 60) return `${whole}s`;
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return hours > 0 ? `${hours}h ${pad(minutes)}m` : `${minutes}m ${pad(rest)}s`;
}

/** A bar's width in percent of its list's largest value, 0 to 100 (0 when the largest is 0). */
export function barPercent(value: number, max: number): number {
  if (!(max > 0) || !(value > 0)) return 0;
  return Math.min(100, Math.round((value / max) * 1000) / 10);
}

/** The five top lists of the overview, in the order they are shown, with the field of SiteOverview that holds each. */
export const TOP_LISTS = [
  { key: "sources", dimension: "SOURCE", title: "Top sources" },
  { key: "pages", dimension: "PAGE", title: "Top pages" },
  { key: "entryPages", dimension: "ENTRY_PAGE", title: "Entry pages" },
  { key: "countries", dimension: "COUNTRY", title: "Countries" },
  { key: "devices", dimension: "DEVICE", title: "Devices" },
] as const satisfies readonly { key: string; dimension: Dimension; title: string }[];

export type TopListKey = (typeof TOP_LISTS)[number]["key"];
