// The reads behind the goals list and a goal's page. goalgate answers them in
// part when it must: a goal's stats (or a site's goals) that fail, or that the
// token may not read, come back null with an error whose path names that field,
// and everything else comes back as usual. These loaders keep what came and put
// each error beside the field it nulled, so the pages can show both.
import {
  type BreakdownPageFragment,
  type Dimension,
  GoalBreakdownDocument,
  GoalDetailDocument,
  type GoalDetailQuery,
  GoalsOverviewDocument,
  type GoalsOverviewQuery,
  type GoalsOverviewQueryVariables,
  PreviewGoalDocument,
  type PreviewGoalQuery,
} from "../gql/operations";
import {
  ApiError,
  type GraphQLErrorEntry,
  type PartialResult,
  type RequestOptions,
  type ResponsePath,
  describeError,
  describeFieldErrors,
  errorsUnder,
  request,
  requestPartial,
} from "./client";
import { type Filter, filterVariable } from "../lib/filters";

export type OverviewSite = NonNullable<GoalsOverviewQuery["site"]>;
export type OverviewConnection = NonNullable<OverviewSite["goals"]>;
export type OverviewGoal = OverviewConnection["nodes"][number];

export const STATS_FALLBACK = "goalgate sent no stats for this goal.";
export const GOALS_FALLBACK = "goalgate sent no goals for this site.";

export interface GoalsOverview {
  site: OverviewSite;
  /** The goals listed, every page that came, oldest first. */
  nodes: OverviewGoal[];
  /** Why a goal has no stats (its stats are null), by goal id. */
  statsErrors: ReadonlyMap<string, string>;
  /** Why the goals (or their later pages) could not be listed; null when every page came. */
  goalsError: string | null;
  /** Errors on other fields (a comparison, a series) that left the rest of a goal's stats. */
  otherErrors: readonly string[];
}

type OverviewVariables = Omit<GoalsOverviewQueryVariables, "site" | "after">;

/** Drops the errors `path` accounts for; returns them. */
function take(pending: Set<GraphQLErrorEntry>, path: ResponsePath): GraphQLErrorEntry[] {
  const found = errorsUnder([...pending], path);
  for (const error of found) pending.delete(error);
  return found;
}

/** Every page of a site's goals (100 a page) with their stats; null for a site this token may not see. */
export async function loadGoalsOverview(site: string, variables: OverviewVariables, options: RequestOptions): Promise<GoalsOverview | null> {
  const nodes: OverviewGoal[] = [];
  const statsErrors = new Map<string, string>();
  const otherErrors: string[] = [];
  let goalsError: string | null = null;
  let info: OverviewSite;
  let after: string | null = null;
  for (;;) {
    const answer: PartialResult<GoalsOverviewQuery> = await requestPartial(GoalsOverviewDocument, { site, ...variables, after }, options);
    const found: OverviewSite | null = answer.data.site;
    if (!found) return null;
    info = found;
    const pending = new Set(answer.errors);
    const goals: OverviewConnection | null = found.goals;
    if (!goals) {
      goalsError = describeFieldErrors(take(pending, ["site", "goals"]), GOALS_FALLBACK);
      otherErrors.push(...[...pending].map((e) => e.message));
      break;
    }
    goals.nodes.forEach((goal, index) => {
      const path = ["site", "goals", "nodes", index, "stats"];
      const found = take(pending, path);
      if (goal.stats === null) statsErrors.set(goal.id, describeFieldErrors(found, STATS_FALLBACK));
      else otherErrors.push(...found.map((e) => `${goal.name}: ${e.message}`));
    });
    otherErrors.push(...[...pending].map((e) => e.message));
    nodes.push(...goals.nodes);
    if (!goals.pageInfo.hasNextPage || !goals.pageInfo.endCursor) break;
    after = goals.pageInfo.endCursor;
  }
  return { site: info, nodes, statsErrors, goalsError, otherErrors: [...new Set(otherErrors)] };
}

export type DetailGoal = NonNullable<GoalDetailQuery["goal"]>;
export type TopMatch = NonNullable<PreviewGoalQuery["previewGoal"]>["topMatches"][number];
export type BreakdownRow = BreakdownPageFragment["nodes"][number];

export const BREAKDOWN_FALLBACK = "goalgate sent no breakdown for this goal.";

/** One page (or several, after "More") of a goal's breakdown by one dimension. */
export interface Breakdown {
  by: Dimension;
  rows: readonly BreakdownRow[];
  /** The cursor of the next page; null when this is the last. */
  next: string | null;
}

export interface GoalDetail {
  /** null: no such goal, or one this token may not see. */
  goal: DetailGoal | null;
  /** Why the goal's stats are null; null when they came. */
  statsError: string | null;
  /** Errors on other fields (the comparison, ...) that left the rest of the stats. */
  otherErrors: readonly string[];
  /** The dimension the breakdown was asked for. */
  by: Dimension;
  /** The first page of the breakdown asked for; null when it failed. */
  breakdown: Breakdown | null;
  /** Why the breakdown is missing; the rest of the page stands without it. */
  breakdownError: string | null;
  matches: readonly TopMatch[];
  /** Why the top matches could not be loaded; the rest of the page stands without them. */
  matchesError: string | null;
}

export interface DetailVariables {
  period: OverviewVariables["period"];
  from: string | null;
  to: string | null;
  interval: OverviewVariables["interval"];
  by: Dimension;
  filters: readonly Filter[];
}

function page(by: Dimension, connection: BreakdownPageFragment): Breakdown {
  return { by, rows: connection.nodes, next: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null };
}

/**
 * One goal with its stats and the first page of its breakdown by `by`, all
 * under `filters`, in one request; then its top matching values (from its
 * preview, which needs the goal's definition first).
 */
export async function loadGoalDetail(site: string, id: string, variables: DetailVariables, options: RequestOptions): Promise<GoalDetail> {
  const filter = filterVariable(variables.filters);
  const { data, errors } = await requestPartial(
    GoalDetailDocument,
    { site, id, period: variables.period, from: variables.from, to: variables.to, interval: variables.interval, by: variables.by, filter },
    options,
  );
  const goal = data.goal;
  if (!goal) {
    return { goal: null, statsError: null, otherErrors: [], by: variables.by, breakdown: null, breakdownError: null, matches: [], matchesError: null };
  }
  const pending = new Set(errors);
  const underStats = take(pending, ["goal", "stats"]);
  const underBreakdown = take(pending, ["goal", "breakdown"]);
  const statsError = goal.stats === null ? describeFieldErrors(underStats, STATS_FALLBACK) : null;
  const breakdown = goal.breakdown ? page(variables.by, goal.breakdown) : null;
  const breakdownError = breakdown ? null : describeFieldErrors(underBreakdown, BREAKDOWN_FALLBACK);
  const otherErrors = [...(goal.stats === null ? [] : underStats), ...(breakdown ? underBreakdown : []), ...pending].map((e) => e.message);
  // The top matching values come from previewGoal (a breakdown by PAGE is the page
  // an event fired on, not its name). Without them the page still stands: their
  // failure is said in their place.
  let matches: readonly TopMatch[] = [];
  let matchesError: string | null = null;
  try {
    const preview = await request(
      PreviewGoalDocument,
      {
        site,
        input: { type: goal.type, matchType: goal.matchType, matchValue: goal.matchValue, currency: goal.currency },
        period: variables.period,
        from: variables.from,
        to: variables.to,
        filter,
      },
      options,
    );
    matches = preview.previewGoal?.topMatches ?? [];
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    if (error instanceof ApiError && error.unauthenticated) throw error;
    matchesError = describeError(error);
  }
  return { goal, statsError, otherErrors: [...new Set(otherErrors)], by: variables.by, breakdown, breakdownError, matches, matchesError };
}

/**
 * A goal's breakdown by `by` alone: the first page, or the one `after` a cursor.
 * Rejects (with goalgate's message) when the breakdown is null.
 */
export async function loadBreakdown(
  site: string,
  id: string,
  variables: Omit<DetailVariables, "interval"> & { after: string | null },
  options: RequestOptions,
): Promise<Breakdown> {
  const { data, errors } = await requestPartial(
    GoalBreakdownDocument,
    {
      site,
      id,
      period: variables.period,
      from: variables.from,
      to: variables.to,
      by: variables.by,
      filter: filterVariable(variables.filters),
      after: variables.after,
    },
    options,
  );
  const connection = data.goal?.breakdown;
  if (!data.goal) throw new ApiError("This goal does not exist (any more), or this token may not see it.", "graphql");
  if (!connection) {
    const found = errorsUnder(errors, ["goal", "breakdown"]);
    throw new ApiError(describeFieldErrors(found, BREAKDOWN_FALLBACK), "graphql", found);
  }
  return page(variables.by, connection);
}
