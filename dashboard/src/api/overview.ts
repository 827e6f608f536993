// The reads behind the site overview and the funnel. Site.stats, Site.breakdown
// and Site.funnel are non-null fields: when one fails, goalgate nulls the whole
// site and says why in an error, so these loaders reject with that error (the
// page shows it where its numbers would be) instead of a site that is not there.
import {
  FunnelGoalsDocument,
  type FunnelGoalsQuery,
  SiteFunnelDocument,
  type SiteFunnelQuery,
  SiteOverviewDocument,
  type SiteOverviewQuery,
  type StatsInterval,
} from "../gql/operations";
import { type Filter, filterVariable } from "../lib/filters";
import type { PeriodVariables } from "../lib/period";
import { ApiError, type GraphQLErrorEntry, type PartialResult, type RequestOptions, requestPartial } from "./client";

export type SiteOverview = NonNullable<SiteOverviewQuery["site"]>;
export type SiteFigures = SiteOverview["stats"];
export type TopRow = SiteOverview["sources"]["nodes"][number];
export type FunnelGoal = NonNullable<NonNullable<FunnelGoalsQuery["site"]>["goals"]>["nodes"][number];
export type Funnel = NonNullable<SiteFunnelQuery["site"]>["funnel"];

export const NO_SITE = "This token may not see this site, or it does not exist.";

/** A site that came back null: its errors when it has some, else the site is unknown to this token. */
function noSite(errors: readonly GraphQLErrorEntry[]): ApiError {
  if (errors.length) return new ApiError([...new Set(errors.map((e) => e.message))].join("; "), "graphql", errors);
  return new ApiError(NO_SITE, "graphql");
}

/** The site's numbers, both series and its five top lists over a period, under `filters`. */
export async function loadSiteOverview(
  site: string,
  variables: PeriodVariables & { interval: StatsInterval; filters: readonly Filter[] },
  options: RequestOptions,
): Promise<SiteOverview> {
  const { interval, filters, ...period } = variables;
  const { data, errors } = await requestPartial(SiteOverviewDocument, { site, ...period, interval, filter: filterVariable(filters) }, options);
  if (!data.site || errors.length) throw noSite(errors);
  return data.site;
}

/** Every goal of the site (id and name), oldest first, for the funnel's step picker. */
export async function loadFunnelGoals(site: string, options: RequestOptions): Promise<FunnelGoal[]> {
  const goals: FunnelGoal[] = [];
  let after: string | null = null;
  for (;;) {
    const answer: PartialResult<FunnelGoalsQuery> = await requestPartial(FunnelGoalsDocument, { site, after }, options);
    const connection = answer.data.site?.goals;
    if (!answer.data.site || !connection) throw noSite(answer.errors);
    goals.push(...connection.nodes);
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return goals;
    after = connection.pageInfo.endCursor;
  }
}

/** Visitors through `steps` (goal ids, in order) over a period, under `filters`. */
export async function loadFunnel(
  site: string,
  steps: readonly string[],
  variables: PeriodVariables & { filters: readonly Filter[] },
  options: RequestOptions,
): Promise<Funnel> {
  const { filters, ...period } = variables;
  const { data, errors } = await requestPartial(SiteFunnelDocument, { site, steps: [...steps], ...period, filter: filterVariable(filters) }, options);
  if (!data.site || errors.length) throw noSite(errors);
  return data.site.funnel;
}
