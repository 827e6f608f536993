import type { StatsInterval, StatsPeriod } from "../gql/operations";

export type PeriodKind = StatsPeriod;

export interface Period {
  kind: PeriodKind;
  /** YYYY-MM-DD, only for CUSTOM. */
  from?: string;
  to?: string;
}

export const PERIOD_CHOICES: readonly { kind: PeriodKind; label: string; short: string }[] = [
  { kind: "LAST_7_DAYS", label: "Last 7 days", short: "7d" },
  { kind: "LAST_30_DAYS", label: "Last 30 days", short: "30d" },
  { kind: "LAST_12_MONTHS", label: "Last 12 months", short: "12mo" },
  { kind: "CUSTOM", label: "Custom range", short: "custom" },
];

export const DEFAULT_PERIOD: Period = { kind: "LAST_30_DAYS" };

export interface PeriodVariables {
  period: StatsPeriod;
  from: string | null;
  to: string | null;
}

export function periodVariables(period: Period): PeriodVariables {
  if (period.kind === "CUSTOM") {
    return { period: "CUSTOM", from: period.from ?? null, to: period.to ?? null };
  }
  return { period: period.kind, from: null, to: null };
}

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to`, both included; NaN for a malformed date. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The bucket that keeps a series readable: days up to two months, weeks up to a year and a bit, then months. */
export function defaultInterval(period: Period): StatsInterval {
  switch (period.kind) {
    case "LAST_7_DAYS":
    case "LAST_30_DAYS":
      return "DAY";
    case "LAST_12_MONTHS":
      return "WEEK";
    case "CUSTOM": {
      const days = period.from && period.to ? daysBetween(period.from, period.to) : NaN;
      if (!Number.isFinite(days) || days <= 62) return "DAY";
      return days <= 400 ? "WEEK" : "MONTH";
    }
  }
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A custom range's problem in words, or null when it can be asked for. */
export function customRangeProblem(from: string | undefined, to: string | undefined): string | null {
  if (!from || !to) return "Pick both a start and an end date.";
  if (!ISO_DATE.test(from) || !ISO_DATE.test(to)) return "Dates are YYYY-MM-DD.";
  if (from > to) return "The start date is after the end date.";
  return null;
}

/** YYYY-MM-DD of a Date on the browser's calendar. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A custom range to start from: the 30 days up to today. */
export function defaultCustomRange(today: Date = new Date()): { from: string; to: string } {
  const start = new Date(today.getTime());
  start.setDate(start.getDate() - 29);
  return { from: isoDay(start), to: isoDay(today) };
}

export function periodLabel(period: Period): string {
  if (period.kind === "CUSTOM") return `${period.from ?? "?"} to ${period.to ?? "?"}`;
  return PERIOD_CHOICES.find((choice) => choice.kind === period.kind)?.label ?? period.kind;
}

/** The short name used in the address bar: 7d, 30d, 12mo or custom. */
export function periodToParam(period: Period): Record<string, string> {
  const short = PERIOD_CHOICES.find((c) => c.kind === period.kind)?.short ?? "30d";
  if (period.kind === "CUSTOM") return { period: short, from: period.from ?? "", to: period.to ?? "" };
  return { period: short };
}

export function periodFromParams(params: URLSearchParams): Period {
  const choice = PERIOD_CHOICES.find((c) => c.short === params.get("period"));
  if (!choice) return DEFAULT_PERIOD;
  if (choice.kind !== "CUSTOM") return { kind: choice.kind };
  const from = params.get("from") ?? undefined;
  const to = params.get("to") ?? undefined;
  if (customRangeProblem(from, to)) return { kind: "CUSTOM", ...defaultCustomRange() };
  return { kind: "CUSTOM", from, to };
}
