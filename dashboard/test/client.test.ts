import { describe, expect, it } from "vitest";
import { ApiError, describeError, describeFieldErrors, errorsUnder, graphqlSocketUrl, graphqlUrl, request, requestPartial } from "../src/api/client";
import { GoalDetailDocument, ViewerDocument } from "../src/gql/operations";

function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  }) as unknown as typeof fetch;
  return { impl, calls };
}

describe("the GraphQL endpoint", () => {
  it("is /graphql beside /dashboard/, over http and ws", () => {
    expect(graphqlUrl("http://127.0.0.1:8000/dashboard/")).toBe("http://127.0.0.1:8000/graphql");
    expect(graphqlUrl("https://a.example/tools/dashboard/")).toBe("https://a.example/tools/graphql");
    expect(graphqlSocketUrl("http://127.0.0.1:8000/dashboard/")).toBe("ws://127.0.0.1:8000/graphql");
    expect(graphqlSocketUrl("https://a.example/dashboard/")).toBe("wss://a.example/graphql");
  });
});

describe("request", () => {
  it("posts the operation with the token as a bearer header and no cookies", async () => {
    const { impl, calls } = fakeFetch(200, { data: { viewer: { name: "demo", scopes: [], sites: [] } } });
    const data = await request(ViewerDocument, {}, { token: "gg_x", fetchImpl: impl, url: "/graphql" });
    expect(data.viewer.name).toBe("demo");
    const [call] = calls;
    expect(call?.init.method).toBe("POST");
    expect((call?.init.headers as Record<string, string>).Authorization).toBe("Bearer gg_x");
    expect(call?.init.credentials).toBe("omit");
    const body = JSON.parse(String(call?.init.body));
    expect(body.query).toContain("query Viewer");
    expect(body.variables).toEqual({});
  });

  it("turns UNAUTHENTICATED into a sign-in-again error", async () => {
    const { impl } = fakeFetch(200, {
      data: null,
      errors: [{ message: "the token is invalid or revoked", extensions: { code: "UNAUTHENTICATED" } }],
    });
    const error = await request(ViewerDocument, {}, { token: "bad", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.unauthenticated).toBe(true);
    expect(describeError(error)).toMatch(/Sign in again/);
  });

  it("names the missing scope of a FORBIDDEN answer", async () => {
    const { impl } = fakeFetch(200, {
      data: null,
      errors: [{ message: "this token lacks the analytics:read scope", extensions: { code: "FORBIDDEN", scope: "analytics:read" } }],
    });
    const error = await request(ViewerDocument, {}, { token: "w", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error.missingScope).toBe("analytics:read");
    expect(describeError(error)).toBe("This token lacks the analytics:read scope.");
  });

  it("says when to come back after a 429", async () => {
    const { impl } = fakeFetch(429, { error: { code: "rate_limited", message: "slow down" } }, { "Retry-After": "12" });
    const error = await request(ViewerDocument, {}, { token: "t", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(12);
    expect(error.message).toMatch(/12 seconds/);
  });

  it("reports an unreachable server in words", async () => {
    const impl = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch;
    const error = await request(ViewerDocument, {}, { token: "t", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error.kind).toBe("network");
    expect(error.message).toMatch(/cannot be reached/);
  });
});

const DETAIL = { site: "sk_demo", id: "g1", period: "LAST_30_DAYS" as const, interval: "DAY" as const, by: "SOURCE" as const };
const GOAL = {
  id: "g1",
  name: "Signup",
  type: "EVENT",
  matchType: "EXACT",
  matchValue: "signup",
  currency: null,
  createdAt: "2024-01-01T00:00:00Z",
  updatedAt: "2024-01-01T00:00:00Z",
  stats: null,
};
const STATS_FORBIDDEN = {
  message: "this token lacks the analytics:read scope",
  path: ["goal", "stats"],
  extensions: { code: "FORBIDDEN", scope: "analytics:read" },
};

describe("partial answers", () => {
  it("keeps the data that came, with the errors of the fields that did not", async () => {
    const { impl } = fakeFetch(200, { data: { goal: GOAL }, errors: [STATS_FORBIDDEN] });
    const { data, errors } = await requestPartial(GoalDetailDocument, DETAIL, { token: "t", fetchImpl: impl, url: "/graphql" });
    expect(data.goal?.name).toBe("Signup");
    expect(data.goal?.stats).toBeNull();
    expect(errors).toEqual([STATS_FORBIDDEN]);
  });

  it("resolves a whole answer with no errors", async () => {
    const { impl } = fakeFetch(200, { data: { goal: null } });
    const result = await requestPartial(GoalDetailDocument, DETAIL, { token: "t", fetchImpl: impl, url: "/graphql" });
    expect(result).toEqual({ data: { goal: null }, errors: [] });
  });

  it("fails when an error hit a root field, even with data beside it", async () => {
    // goal is nullable: a refused goal is { goal: null } plus an error at ["goal"], not "no such goal"
    const { impl } = fakeFetch(200, {
      data: { goal: null },
      errors: [{ message: "this token lacks the analytics:read scope", path: ["goal"], extensions: { code: "FORBIDDEN", scope: "analytics:read" } }],
    });
    const error = await requestPartial(GoalDetailDocument, DETAIL, { token: "t", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.missingScope).toBe("analytics:read");
  });

  it("fails on an error without a path, and on errors without data", async () => {
    for (const body of [
      { data: { goal: GOAL }, errors: [{ message: "boom" }] },
      { data: null, errors: [{ message: "boom", path: ["goal", "stats"] }] },
    ]) {
      const { impl } = fakeFetch(200, body);
      const error = await requestPartial(GoalDetailDocument, DETAIL, { token: "t", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error.message).toBe("boom");
    }
  });

  it("is a failure for request, which wants whole answers", async () => {
    const { impl } = fakeFetch(200, { data: { goal: GOAL }, errors: [STATS_FORBIDDEN] });
    const error = await request(GoalDetailDocument, DETAIL, { token: "t", fetchImpl: impl, url: "/graphql" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.errors).toEqual([STATS_FORBIDDEN]);
  });

  it("finds the errors at a path or beneath it", () => {
    const at = (path: (string | number)[]) => ({ message: path.join("."), path });
    const errors = [
      at(["site", "goals", "nodes", 1, "stats"]),
      at(["site", "goals", "nodes", 10, "stats"]),
      at(["site", "goals", "nodes", 1, "stats", "previous"]),
      at(["site", "goals"]),
      { message: "no path" },
    ];
    expect(errorsUnder(errors, ["site", "goals", "nodes", 1, "stats"]).map((e) => e.message)).toEqual([
      "site.goals.nodes.1.stats",
      "site.goals.nodes.1.stats.previous",
    ]);
    expect(errorsUnder(errors, ["site", "goals"])).toHaveLength(4);
    expect(errorsUnder(errors, ["site", "goals", "nodes", "1"])).toEqual([]);
    expect(describeFieldErrors([at(["a"]), at(["a"]), { message: "b" }], "none")).toBe("a; b");
    expect(describeFieldErrors([], "none")).toBe("none");
  });
});
