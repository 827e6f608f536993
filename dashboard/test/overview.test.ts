import { describe, expect, it } from "vitest";
import { NO_SITE, loadFunnel, loadFunnelGoals, loadSiteOverview } from "../src/api/overview";
import { TOP_LISTS, barPercent, formatDuration, relativeChange } from "../src/lib/overview";

describe("the overview's arithmetic", () => {
  it("changes as goalgate's StatsChange: relative, null against nothing", () => {
    expect(relativeChange(150, 100)).toBe(0.5);
    expect(relativeChange(75, 100)).toBe(-0.25);
    expect(relativeChange(10, 10)).toBe(0);
    expect(relativeChange(10, 0)).toBeNull();
    expect(relativeChange(10, null)).toBeNull();
    expect(relativeChange(10, undefined)).toBeNull();
  });

  it("writes a visit's length in seconds, minutes or hours", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(44.6)).toBe("45s");
    expect(formatDuration(59.4)).toBe("59s");
    expect(formatDuration(60)).toBe("1m 00s");
    expect(formatDuration(187)).toBe("3m 07s");
    expect(formatDuration(3600)).toBe("1h 00m");
    expect(formatDuration(3725)).toBe("1h 02m");
    expect(formatDuration(Number.NaN)).toBe("0s");
    expect(formatDuration(-5)).toBe("0s");
  });

  it("draws a bar as the share of the list's largest value", () => {
    expect(barPercent(50, 200)).toBe(25);
    expect(barPercent(200, 200)).toBe(100);
    expect(barPercent(1, 3)).toBe(33.3);
    expect(barPercent(0, 200)).toBe(0);
    expect(barPercent(5, 0)).toBe(0);
    expect(barPercent(300, 200)).toBe(100);
  });

  it("lists sources, pages, entry pages, countries and devices", () => {
    expect(TOP_LISTS.map((list) => list.dimension)).toEqual(["SOURCE", "PAGE", "ENTRY_PAGE", "COUNTRY", "DEVICE"]);
  });
});

function answering(...bodies: unknown[]) {
  const sent: { query: string; variables: Record<string, unknown> }[] = [];
  const impl = (async (_url: string, init: RequestInit) => {
    sent.push(JSON.parse(String(init.body)));
    const body = bodies.shift();
    return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  }) as unknown as typeof fetch;
  return { options: { token: "t", fetchImpl: impl, url: "/graphql" }, sent };
}

const PERIOD = { period: "LAST_30_DAYS" as const, from: null, to: null };

describe("the overview's and the funnel's reads", () => {
  it("send the filter, and null for none", async () => {
    const site = { key: "sk_demo", funnel: { from: "2024-03-01", to: "2024-03-30", timezone: "UTC", steps: [] } };
    const { options, sent } = answering({ data: { site } }, { data: { site } });
    const filters = [{ dimension: "SOURCE" as const, operator: "IS" as const, values: ["Google"] }];
    await loadFunnel("sk_demo", ["a", "b"], { ...PERIOD, filters }, options);
    await loadFunnel("sk_demo", ["a", "b"], { ...PERIOD, filters: [] }, options);
    expect(sent[0]!.variables).toEqual({ site: "sk_demo", steps: ["a", "b"], ...PERIOD, filter: filters });
    expect(sent[1]!.variables.filter).toBeNull();
  });

  it("reject with goalgate's message when it nulls the site", async () => {
    const refused = {
      data: { site: null },
      errors: [{ message: "a funnel has 2 to 8 steps", path: ["site", "funnel"], extensions: { code: "BAD_USER_INPUT" } }],
    };
    const { options } = answering(refused, { data: { site: null } });
    await expect(loadFunnel("sk_demo", ["a"], { ...PERIOD, filters: [] }, options)).rejects.toThrow("a funnel has 2 to 8 steps");
    await expect(loadSiteOverview("sk_nope", { ...PERIOD, interval: "DAY", filters: [] }, options)).rejects.toThrow(NO_SITE);
  });

  it("list every page of the site's goals", async () => {
    const page = (ids: string[], next: string | null) => ({
      data: { site: { key: "sk_demo", goals: { pageInfo: { hasNextPage: next !== null, endCursor: next }, nodes: ids.map((id) => ({ id, name: `Goal ${id}` })) } } },
    });
    const { options, sent } = answering(page(["a", "b"], "c1"), page(["c"], null));
    expect((await loadFunnelGoals("sk_demo", options)).map((g) => g.id)).toEqual(["a", "b", "c"]);
    expect(sent.map((s) => s.variables.after)).toEqual([null, "c1"]);
  });
});
