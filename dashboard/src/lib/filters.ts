// Breakdown dimensions and the filter a goal's page applies (issue 14): the
// clauses `{ dimension, operator, values }` that goalgate's `stats`,
// `breakdown` and `previewGoal` take, and their form in the address bar, so
// that a link carries them:
//   #/goals/<id>?site=sk_demo&period=30d&by=country&filter=source:is:Google&filter=country:is_not:DE
// Each `filter` parameter is `dimension:operator:value` (lower case names, the
// value as sent, URL-encoded); repeated parameters with the same dimension and
// operator are one clause with several values.
import type { Dimension, FilterOperator, StatsFilter } from "../gql/operations";

export type Filter = StatsFilter & { values: string[] };

/** Every dimension, in the order the picker lists them, with its label. */
export const DIMENSIONS: readonly { dimension: Dimension; label: string }[] = [
  { dimension: "SOURCE", label: "Source" },
  { dimension: "REFERRER_DOMAIN", label: "Referrer" },
  { dimension: "UTM_CAMPAIGN", label: "Campaign" },
  { dimension: "UTM_SOURCE", label: "UTM source" },
  { dimension: "UTM_MEDIUM", label: "UTM medium" },
  { dimension: "UTM_CONTENT", label: "UTM content" },
  { dimension: "UTM_TERM", label: "UTM term" },
  { dimension: "PAGE", label: "Page" },
  { dimension: "ENTRY_PAGE", label: "Entry page" },
  { dimension: "COUNTRY", label: "Country" },
  { dimension: "DEVICE", label: "Device" },
  { dimension: "BROWSER", label: "Browser" },
  { dimension: "OS", label: "OS" },
];

export const DEFAULT_DIMENSION: Dimension = "SOURCE";

const OPERATORS: readonly FilterOperator[] = ["IS", "IS_NOT", "CONTAINS"];
const OPERATOR_WORDS: Record<FilterOperator, string> = { IS: "is", IS_NOT: "is not", CONTAINS: "contains" };

export function dimensionLabel(dimension: Dimension): string {
  return DIMENSIONS.find((d) => d.dimension === dimension)?.label ?? dimension;
}

/** "country" -> "COUNTRY"; null for anything that is not a dimension. */
export function parseDimension(raw: string | null | undefined): Dimension | null {
  if (!raw) return null;
  const upper = raw.toUpperCase();
  return DIMENSIONS.find((d) => d.dimension === upper)?.dimension ?? null;
}

/** A country code as its name in the browser's language ("DE" -> "Germany"); the code itself when unknown. */
export function countryName(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return code;
  try {
    const names = new Intl.DisplayNames(typeof navigator === "undefined" ? undefined : navigator.language, { type: "region" });
    return names.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** A value as a person reads it: countries by name, everything else as stored. */
export function displayValue(dimension: Dimension, value: string): string {
  return dimension === "COUNTRY" ? countryName(value) : value;
}

/** "Source is Google", "Country is Germany or France", "Page contains /blog". */
export function describeFilter(filter: Filter): string {
  const values = filter.values.map((v) => displayValue(filter.dimension, v));
  const joiner = filter.operator === "IS_NOT" ? " nor " : " or ";
  return `${dimensionLabel(filter.dimension)} ${OPERATOR_WORDS[filter.operator]} ${values.join(joiner)}`;
}

/** The filters with `dimension` IS `value`, replacing any clause on that dimension. */
export function applyValue(filters: readonly Filter[], dimension: Dimension, value: string): Filter[] {
  return [...filters.filter((f) => f.dimension !== dimension), { dimension, operator: "IS", values: [value] }];
}

/** The filters without the one at `index`. */
export function removeFilter(filters: readonly Filter[], index: number): Filter[] {
  return filters.filter((_, i) => i !== index);
}

/** The `filter` argument goalgate takes: null for none. */
export function filterVariable(filters: readonly Filter[]): Filter[] | null {
  return filters.length ? filters.map((f) => ({ dimension: f.dimension, operator: f.operator, values: [...f.values] })) : null;
}

/** Reads the `filter` parameters of an address; ignores the malformed ones. */
export function filtersFromParams(params: URLSearchParams): Filter[] {
  const out: Filter[] = [];
  for (const raw of params.getAll("filter")) {
    const first = raw.indexOf(":");
    const second = first < 0 ? -1 : raw.indexOf(":", first + 1);
    if (second < 0) continue;
    const dimension = parseDimension(raw.slice(0, first));
    const operator = OPERATORS.find((o) => o === raw.slice(first + 1, second).toUpperCase());
    const value = raw.slice(second + 1);
    if (!dimension || !operator || value === "") continue;
    const same = out.find((f) => f.dimension === dimension && f.operator === operator);
    if (same) {
      if (!same.values.includes(value)) same.values.push(value);
    } else {
      out.push({ dimension, operator, values: [value] });
    }
  }
  return out;
}

/** The `filter` parameter values for `filters`, one per value. */
export function filtersToParams(filters: readonly Filter[]): string[] {
  return filters.flatMap((f) => f.values.map((v) => `${f.dimension.toLowerCase()}:${f.operator.toLowerCase()}:${v}`));
}
