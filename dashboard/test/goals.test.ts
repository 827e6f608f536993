import { describe, expect, it } from "vitest";
import { BREAKDOWN_FALLBACK, GOALS_FALLBACK, STATS_FALLBACK, loadBreakdown, loadGoalDetail, loadGoalsOverview } from "../src/api/goals";

type Body = Record<string, unknown>;

/** Answers the operations in turn, by name; records the variables sent. */
function script(answers: Record<string, Body[]>) {
  const sent: { operation: string; variables: Record<string, unknown> }[] = [];
  const impl = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const operation = /(?:query|mutation) (\w+)/.exec(body.query)?.[1] ?? "?";
    sent.push({ operation, variables: body.variables });
    const next = answers[operation]?.shift();
    if (!next) throw new Error(`unexpected ${operation}`);
    return new Response(JSON.stringify(next), { status: 200, headers: { "Content-Type": "application/json" } });
  }) as unknown as typeof fetch;
  return { options: { token: "t", fetchImpl: impl, url: "/graphql" }, sent };
}

function stats(conversions: number) {
  return {
    from: "2024-03-01",
    to: "2024-03-30",
    timezone: "UTC",
    conversions,
    uniqueConversions: conversions,
    conversionRate: 0.5,
    revenue: null,
    change: null,
    timeseries: [],
    previous: null,
  };
}

function node(id: string, conversions: number | null) {
  return {
    id,
    name: `Goal ${id}`,
    type: "EVENT",
    matchType: "EXACT",
    matchValue: id,
    currency: null,
    createdAt: "2024-01-01T00:00:00Z",
    updatedAt: "2024-01-01T00:00:00Z",
    stats: conversions === null ? null : stats(conversions),
  };
}

function page(nodes: unknown[], next: string | null) {
  return {
    site: {
      key: "sk_demo",
      domain: "demo.example.com",
      timezone: "UTC",
      goals: { totalCount: 3, pageInfo: { hasNextPage: next !== null, endCursor: next }, nodes },
    },
  };
}

const VARIABLES = { period: "LAST_30_DAYS" as const, from: null, to: null, interval: "DAY" as const };
const DETAIL = { ...VARIABLES, by: "SOURCE" as const, filters: [] };
const FAULT = "the stats of this goal could not be computed";

describe("the goals overview, answered in part", () => {
  it("keeps every goal and says why each one without stats has none, page by page", async () => {
    const { options, sent } = script({
      GoalsOverview: [
        {
          data: page([node("a", 3), node("b", null)], "cursor-1"),
          errors: [{ message: "this token lacks the analytics:read scope", path: ["site", "goals", "nodes", 1, "stats"] }],
        },
        {
          // index 0 of the second page is goal c, not goal a
          data: page([node("c", null)], null),
          errors: [{ message: FAULT, path: ["site", "goals", "nodes", 0, "stats", "timeseries"] }],
        },
      ],
    });
    const overview = await loadGoalsOverview("sk_demo", VARIABLES, options);
    expect(sent.map((s) => s.variables.after)).toEqual([null, "cursor-1"]);
    expect(overview?.nodes.map((g) => g.id)).toEqual(["a", "b", "c"]);
    expect(overview?.nodes[0]?.stats?.conversions).toBe(3);
    expect(Object.fromEntries(overview?.statsErrors ?? [])).toEqual({
      b: "this token lacks the analytics:read scope",
      c: FAULT,
    });
    expect(overview?.goalsError).toBeNull();
    expect(overview?.otherErrors).toEqual([]);
  });

  it("says why the goals are missing when the site's goals are null", async () => {
    const { options } = script({
      GoalsOverview: [
        {
          data: { site: { key: "sk_demo", domain: "demo.example.com", timezone: "UTC", goals: null } },
          errors: [{ message: "this token lacks the analytics:read scope", path: ["site", "goals"], extensions: { code: "FORBIDDEN" } }],
        },
      ],
    });
    const overview = await loadGoalsOverview("sk_demo", VARIABLES, options);
    expect(overview?.site.domain).toBe("demo.example.com");
    expect(overview?.nodes).toEqual([]);
    expect(overview?.goalsError).toBe("this token lacks the analytics:read scope");
  });

  it("keeps the pages that came before a page whose goals failed", async () => {
    const { options } = script({
      GoalsOverview: [
        { data: page([node("a", 1)], "cursor-1") },
        { data: { site: { key: "sk_demo", domain: "d", timezone: "UTC", goals: null } } },
      ],
    });
    const overview = await loadGoalsOverview("sk_demo", VARIABLES, options);
    expect(overview?.nodes.map((g) => g.id)).toEqual(["a"]);
    expect(overview?.goalsError).toBe(GOALS_FALLBACK);
  });

  it("reports an error that left the rest of a goal's stats, and a null stats without an error", async () => {
    const partial = { ...node("a", 5), stats: { ...stats(5), previous: null } };
    const { options } = script({
      GoalsOverview: [
        {
          data: page([partial, node("b", null)], null),
          errors: [{ message: "the comparison failed", path: ["site", "goals", "nodes", 0, "stats", "previous"] }],
        },
      ],
    });
    const overview = await loadGoalsOverview("sk_demo", VARIABLES, options);
    expect(overview?.otherErrors).toEqual(["Goal a: the comparison failed"]);
    expect(overview?.statsErrors.get("b")).toBe(STATS_FALLBACK);
    expect(overview?.statsErrors.has("a")).toBe(false);
  });

  it("is null for a site this token may not see", async () => {
    const { options } = script({ GoalsOverview: [{ data: { site: null } }] });
    expect(await loadGoalsOverview("sk_nope", VARIABLES, options)).toBeNull();
  });

  it("fails as a whole when the site itself is refused", async () => {
    const { options } = script({
      GoalsOverview: [
        { data: { site: null }, errors: [{ message: "this token lacks the analytics:read scope", path: ["site"], extensions: { code: "FORBIDDEN", scope: "analytics:read" } }] },
      ],
    });
    await expect(loadGoalsOverview("sk_demo", VARIABLES, options)).rejects.toMatchObject({ missingScope: "analytics:read" });
  });
});

describe("a goal's page, answered in part", () => {
  const matches = { previewGoal: { stats: null, topMatches: [{ value: "a", conversions: 2 }], userErrors: [] } };

  it("keeps the goal and its top matches when its stats fail", async () => {
    const { options } = script({
      GoalDetail: [{ data: { goal: node("a", null) }, errors: [{ message: FAULT, path: ["goal", "stats"] }] }],
      PreviewGoal: [{ data: matches }],
    });
    const detail = await loadGoalDetail("sk_demo", "a", DETAIL, options);
    expect(detail.goal?.name).toBe("Goal a");
    expect(detail.statsError).toBe(FAULT);
    expect(detail.matches).toEqual([{ value: "a", conversions: 2 }]);
    expect(detail.matchesError).toBeNull();
  });

  it("keeps the goal and its stats when the top matches fail", async () => {
    const { options } = script({
      GoalDetail: [{ data: { goal: node("a", 4) } }],
      PreviewGoal: [{ data: null, errors: [{ message: "the preview timed out", path: ["previewGoal"] }] }],
    });
    const detail = await loadGoalDetail("sk_demo", "a", DETAIL, options);
    expect(detail.goal?.stats?.conversions).toBe(4);
    expect(detail.statsError).toBeNull();
    expect(detail.matches).toEqual([]);
    expect(detail.matchesError).toBe("the preview timed out");
  });

  it("still fails as a whole for a token goalgate no longer knows", async () => {
    const { options } = script({
      GoalDetail: [{ data: { goal: node("a", 4) } }],
      PreviewGoal: [{ data: null, errors: [{ message: "the token is invalid or revoked", extensions: { code: "UNAUTHENTICATED" } }] }],
    });
    await expect(loadGoalDetail("sk_demo", "a", DETAIL, options)).rejects.toMatchObject({ unauthenticated: true });
  });

  it("is no goal, without asking for a preview, when there is none", async () => {
    const { options, sent } = script({ GoalDetail: [{ data: { goal: null } }] });
    const detail = await loadGoalDetail("sk_demo", "gone", DETAIL, options);
    expect(detail.goal).toBeNull();
    expect(sent.map((s) => s.operation)).toEqual(["GoalDetail"]);
  });
});

function breakdown(values: [string, number][], next: string | null = null) {
  return {
    nodes: values.map(([value, conversions]) => ({
      value,
      conversions,
      uniqueConversions: conversions,
      conversionRate: 0.25,
      revenue: null,
    })),
    pageInfo: { hasNextPage: next !== null, endCursor: next },
  };
}

describe("a goal's breakdown and filter", () => {
  const preview = { previewGoal: { stats: null, topMatches: [], userErrors: [] } };
  const germany = { dimension: "COUNTRY" as const, operator: "IS" as const, values: ["DE"] };

  it("asks for the stats and the breakdown in one request, under one filter, and the preview under it too", async () => {
    const { options, sent } = script({
      GoalDetail: [{ data: { goal: { ...node("a", 4), breakdown: breakdown([["Google", 3], ["(none)", 1]], "c1") } } }],
      PreviewGoal: [{ data: preview }],
    });
    const detail = await loadGoalDetail("sk_demo", "a", { ...DETAIL, by: "COUNTRY", filters: [germany] }, options);
    expect(sent.map((s) => s.operation)).toEqual(["GoalDetail", "PreviewGoal"]);
    expect(sent[0]?.variables).toEqual({
      site: "sk_demo",
      id: "a",
      period: "LAST_30_DAYS",
      from: null,
      to: null,
      interval: "DAY",
      by: "COUNTRY",
      filter: [{ dimension: "COUNTRY", operator: "IS", values: ["DE"] }],
    });
    expect(sent[1]?.variables.filter).toEqual([germany]);
    expect(detail.by).toBe("COUNTRY");
    expect(detail.breakdown?.rows.map((r) => r.value)).toEqual(["Google", "(none)"]);
    expect(detail.breakdown?.next).toBe("c1");
    expect(detail.breakdownError).toBeNull();
  });

  it("sends no filter at all when there is none", async () => {
    const { options, sent } = script({
      GoalDetail: [{ data: { goal: { ...node("a", 4), breakdown: breakdown([], null) } } }],
      PreviewGoal: [{ data: preview }],
    });
    const detail = await loadGoalDetail("sk_demo", "a", DETAIL, options);
    expect(sent[0]?.variables.filter).toBeNull();
    expect(sent[0]?.variables.by).toBe("SOURCE");
    expect(detail.breakdown).toEqual({ by: "SOURCE", rows: [], next: null });
  });

  it("keeps the stats when the breakdown alone fails, and says why", async () => {
    const { options } = script({
      GoalDetail: [
        {
          data: { goal: { ...node("a", 4), breakdown: null } },
          errors: [{ message: "first must be between 1 and 100", path: ["goal", "breakdown"], extensions: { code: "BAD_USER_INPUT" } }],
        },
      ],
      PreviewGoal: [{ data: preview }],
    });
    const detail = await loadGoalDetail("sk_demo", "a", DETAIL, options);
    expect(detail.goal?.stats?.conversions).toBe(4);
    expect(detail.breakdown).toBeNull();
    expect(detail.breakdownError).toBe("first must be between 1 and 100");
    expect(detail.otherErrors).toEqual([]);
  });

  it("puts a bad filter's error beside the stats and the breakdown it nulled", async () => {
    const message = "filter is not valid: country: 'XX' must be an ISO 3166-1 alpha-2 country code, e.g. DE";
    const { options } = script({
      GoalDetail: [
        {
          data: { goal: { ...node("a", null), breakdown: null } },
          errors: [
            { message, path: ["goal", "stats"], extensions: { code: "BAD_USER_INPUT" } },
            { message, path: ["goal", "breakdown"], extensions: { code: "BAD_USER_INPUT" } },
          ],
        },
      ],
      PreviewGoal: [{ data: preview }],
    });
    const detail = await loadGoalDetail("sk_demo", "a", DETAIL, options);
    expect(detail.statsError).toBe(message);
    expect(detail.breakdownError).toBe(message);
    expect(detail.breakdownError === BREAKDOWN_FALLBACK).toBe(false);
  });

  it("loads another dimension, or the page after a cursor, alone", async () => {
    const { options, sent } = script({
      GoalBreakdown: [
        { data: { goal: { id: "a", breakdown: breakdown([["Mobile", 2]], null) } } },
        { data: { goal: { id: "a", breakdown: null } }, errors: [{ message: "after is not a cursor of this breakdown", path: ["goal", "breakdown"] }] },
      ],
    });
    const page = await loadBreakdown("sk_demo", "a", { period: "LAST_7_DAYS", from: null, to: null, by: "DEVICE", filters: [germany], after: "c1" }, options);
    expect(page).toEqual({ by: "DEVICE", rows: breakdown([["Mobile", 2]]).nodes, next: null });
    expect(sent[0]?.variables).toEqual({
      site: "sk_demo",
      id: "a",
      period: "LAST_7_DAYS",
      from: null,
      to: null,
      by: "DEVICE",
      filter: [germany],
      after: "c1",
    });
    await expect(
      loadBreakdown("sk_demo", "a", { period: "LAST_7_DAYS", from: null, to: null, by: "DEVICE", filters: [], after: "bad" }, options),
    ).rejects.toThrow("after is not a cursor of this breakdown");
  });
});
