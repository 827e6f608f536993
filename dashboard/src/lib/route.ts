// Hash routes, so that the server serves one page and a reload keeps the view:
//   #/goals?site=sk_demo&period=30d          the site overview and its goals (the first screen)
//   #/goals?...&filter=source:is:Google       the same, under a filter (lib/filters.ts)
//   #/funnel?site=...&steps=<id>,<id>&filter=...  a funnel through goals (lib/funnel.ts)
//   #/goals/<id>?site=...&period=...&interval=WEEK   one goal
//   #/goals/<id>?...&by=country&filter=source:is:Google   its breakdown and filter (lib/filters.ts)
//   #/new?site=...                            create a goal
//   #/goals/<id>/edit?site=...                edit a goal
import type { Dimension, StatsInterval } from "../gql/operations";
import { type Filter, filtersFromParams, filtersToParams, parseDimension } from "./filters";
import { stepsFromParam, stepsToParam } from "./funnel";
import { type Period, periodFromParams, periodToParam } from "./period";

export type View =
  | { name: "goals" }
  | { name: "goal"; id: string }
  | { name: "new" }
  | { name: "edit"; id: string }
  | { name: "funnel" };

/** The views a filter applies to (and whose address carries it). */
export function filtersApply(view: View): boolean {
  return view.name === "goals" || view.name === "goal" || view.name === "funnel";
}

export interface Route {
  view: View;
  site: string | null;
  period: Period;
  interval: StatsInterval | null;
  /** A goal's page: the dimension of its breakdown (null: the default). */
  by: Dimension | null;
  /** The overview, a goal's page and the funnel: the filter on their numbers, lists and charts. */
  filters: Filter[];
  /** The funnel: its steps, goal ids in order. */
  steps: string[];
}

const INTERVALS: readonly StatsInterval[] = ["DAY", "WEEK", "MONTH"];

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [path = "", query = ""] = raw.split("?", 2);
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  let view: View = { name: "goals" };
  if (parts[0] === "new") view = { name: "new" };
  else if (parts[0] === "funnel") view = { name: "funnel" };
  else if (parts[0] === "goals" && parts[1] && parts[2] === "edit") view = { name: "edit", id: parts[1] };
  else if (parts[0] === "goals" && parts[1]) view = { name: "goal", id: parts[1] };
  const interval = params.get("interval");
  return {
    view,
    site: params.get("site") || null,
    period: periodFromParams(params),
    interval: INTERVALS.find((i) => i === interval) ?? null,
    by: parseDimension(params.get("by")),
    filters: filtersFromParams(params),
    steps: stepsFromParam(params.get("steps")),
  };
}

export function formatRoute(route: Route): string {
  const { view } = route;
  const path =
    view.name === "goals"
      ? "/goals"
      : view.name === "new"
        ? "/new"
        : view.name === "funnel"
          ? "/funnel"
          : view.name === "goal"
            ? `/goals/${encodeURIComponent(view.id)}`
            : `/goals/${encodeURIComponent(view.id)}/edit`;
  const params = new URLSearchParams();
  if (route.site) params.set("site", route.site);
  for (const [key, value] of Object.entries(periodToParam(route.period))) params.set(key, value);
  if ((view.name === "goal" || view.name === "goals") && route.interval) params.set("interval", route.interval);
  if (view.name === "goal" && route.by) params.set("by", route.by.toLowerCase());
  if (view.name === "funnel" && route.steps.length) params.set("steps", stepsToParam(route.steps));
  if (filtersApply(view)) for (const value of filtersToParams(route.filters)) params.append("filter", value);
  return `#${path}?${params.toString()}`;
}
