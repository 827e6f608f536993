// Plain figures: every number in full (1,204, never "1.2k"), in the browser's
// locale; rates and changes as percentages; money in its own currency.

export interface Money {
  amount: string;
  currency: string;
}

const locale = (): string | undefined => (typeof navigator === "undefined" ? undefined : navigator.language);

export function formatCount(value: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(value);
}

/** 0.0345 -> "3.45%". */
export function formatRate(value: number): string {
  return new Intl.NumberFormat(locale(), {
    style: "percent",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(value);
}

/** 0.123 -> "+12.3%", -0.05 -> "-5.0%", null -> "—" (nothing to compare with). */
export function formatChange(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return new Intl.NumberFormat(locale(), {
    style: "percent",
    signDisplay: "exceptZero",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value);
}

/** What a change means, for a screen reader or a tooltip. */
export function describeChange(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return "no change to show: the previous period had none";
  }
  if (value === 0) return "no change against the previous period";
  return `${formatChange(value)} against the previous period`;
}

export function changeDirection(value: number | null | undefined): "up" | "down" | "flat" | "none" {
  if (value === null || value === undefined || !Number.isFinite(value)) return "none";
  return value > 0 ? "up" : value < 0 ? "down" : "flat";
}

/** The amount as sent (a decimal string), in its currency's own format. */
export function formatMoney(money: Money | null | undefined): string {
  if (!money) return "—";
  try {
    return new Intl.NumberFormat(locale(), { style: "currency", currency: money.currency }).format(
      money.amount as Intl.StringNumericLiteral,
    );
  } catch {
    return `${money.amount} ${money.currency}`;
  }
}

/** A calendar day (YYYY-MM-DD) as the locale writes it, e.g. "Mar 5, 2025". */
export function formatDay(day: string, style: "medium" | "short" = "medium"): string {
  const time = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(time)) return day;
  const options: Intl.DateTimeFormatOptions =
    style === "short"
      ? { month: "short", day: "numeric", timeZone: "UTC" }
      : { dateStyle: "medium", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale(), options).format(time);
}

export function formatRange(from: string, to: string): string {
  return from === to ? formatDay(from) : `${formatDay(from)} – ${formatDay(to)}`;
}

/** A moment (ISO 8601) as a time of day in the site's time zone. */
export function formatTime(moment: string, timeZone?: string): string {
  const time = Date.parse(moment);
  if (Number.isNaN(time)) return moment;
  try {
    return new Intl.DateTimeFormat(locale(), { timeStyle: "medium", timeZone }).format(time);
  } catch {
    return new Intl.DateTimeFormat(locale(), { timeStyle: "medium" }).format(time);
  }
}

export const GOAL_TYPE_LABELS = { PAGEVIEW: "Page view", EVENT: "Event", CUSTOM: "Custom goal" } as const;
export const MATCH_TYPE_LABELS = { EXACT: "is exactly", CONTAINS: "contains", REGEX: "matches the regex" } as const;

/** "Page path is exactly /thank-you" */
export function describeMatch(goal: { type: keyof typeof GOAL_TYPE_LABELS; matchType: keyof typeof MATCH_TYPE_LABELS; matchValue: string }): string {
  const subject = goal.type === "PAGEVIEW" ? "Page path" : goal.type === "EVENT" ? "Event name" : "Goal name";
  return `${subject} ${MATCH_TYPE_LABELS[goal.matchType]} ${goal.matchValue}`;
}
