import { describe, expect, it } from "vitest";
import { formatRoute, parseRoute } from "../src/lib/route";

describe("hash routes", () => {
  it("reads every view", () => {
    expect(parseRoute("").view).toEqual({ name: "goals" });
    expect(parseRoute("#/goals?site=sk_demo").site).toBe("sk_demo");
    expect(parseRoute("#/goals/abc?site=sk_demo").view).toEqual({ name: "goal", id: "abc" });
    expect(parseRoute("#/goals/abc/edit").view).toEqual({ name: "edit", id: "abc" });
    expect(parseRoute("#/new").view).toEqual({ name: "new" });
    expect(parseRoute("#/funnel?site=sk_demo").view).toEqual({ name: "funnel" });
    expect(parseRoute("#/goals/abc?interval=MONTH").interval).toBe("MONTH");
    expect(parseRoute("#/goals/abc?interval=YEAR").interval).toBeNull();
  });

  it("writes what it reads", () => {
    const route = parseRoute("#/goals/a%20b?site=sk_demo&period=custom&from=2024-01-01&to=2024-01-31&interval=WEEK");
    expect(route.view).toEqual({ name: "goal", id: "a b" });
    expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute({ ...route, view: { name: "goals" } })).toBe(
      "#/goals?site=sk_demo&period=custom&from=2024-01-01&to=2024-01-31&interval=WEEK",
    );
    expect(formatRoute({ ...route, view: { name: "new" } })).toBe("#/new?site=sk_demo&period=custom&from=2024-01-01&to=2024-01-31");
  });

  it("reads and writes a funnel's steps, in order, each once", () => {
    const route = parseRoute("#/funnel?site=sk_demo&period=7d&steps=b,a,,b,c&filter=country:is:DE");
    expect(route.view).toEqual({ name: "funnel" });
    expect(route.steps).toEqual(["b", "a", "c"]);
    expect(formatRoute(route)).toBe("#/funnel?site=sk_demo&period=7d&steps=b%2Ca%2Cc&filter=country%3Ais%3ADE");
    expect(parseRoute(formatRoute(route))).toEqual(route);
    // the steps belong to the funnel's address only
    expect(formatRoute({ ...route, view: { name: "goals" } })).toBe("#/goals?site=sk_demo&period=7d&filter=country%3Ais%3ADE");
    expect(parseRoute("#/goals?site=sk_demo").steps).toEqual([]);
  });
});
