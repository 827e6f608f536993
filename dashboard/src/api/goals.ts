// The reads behind the goals list and a goal's page. goalgate answers them in
// part when it must: a goal's stats (or a site's goals) that fail, or that the
// token may not read, come back null with an error whose path names that field,
// and everything else comes back as usual. These loaders keep what came and put
// each error beside the field it nulled, so the pages can show both.
import {
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

export interface GoalDetail {
  /** null: no such goal, or one this token may not see. */
  goal: DetailGoal | null;
  /** Why the goal's stats are null; null when they came. */
  statsError: string | null;
  /** Errors on other fields (the comparison, ...) that left the rest of the stats. */
  otherErrors: readonly string[];
  matches: readonly TopMatch[];
  /** Why the top matches could not be loaded; the rest of the page stands without them. */
  matchesError: string | null;
}

/** One goal with its stats, and its top matching values (from its preview). */
export async function loadGoalDetail(
  site: string,
  id: string,
  variables: { period: OverviewVariables["period"]; from: string | null; to: string | null; interval: OverviewVariables["interval"] },
  options: RequestOptions,
): Promise<GoalDetail> {
  const { data, errors } = await requestPartial(GoalDetailDocument, { site, id, ...variables }, options);
  const goal = data.goal;
  if (!goal) return { goal: null, statsError: null, otherErrors: [], matches: [], matchesError: null };
  const pending = new Set(errors);
  const underStats = take(pending, ["goal", "stats"]);
  const statsError = goal.stats === null ? describeFieldErrors(underStats, STATS_FALLBACK) : null;
  const otherErrors = [...(goal.stats === null ? [] : underStats), ...pending].map((e) => e.message);
  // The top matching values come from previewGoal: the API has no per-value breakdown of a saved goal yet.
  // Without them the page still stands: their failure is said in their place.
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
      },
      options,
    );
    matches = preview.previewGoal?.topMatches ?? [];
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    if (error instanceof ApiError && error.unauthenticated) throw error;
    matchesError = describeError(error);
  }
  return { goal, statsError, otherErrors: [...new Set(otherErrors)], matches, matchesError };
}
