import { describe, expect, it } from "vitest";
import { formatRoute, parseRoute } from "../src/lib/route";

describe("hash routes", () => {
  it("reads every view", () => {
    expect(parseRoute("").view).toEqual({ name: "goals" });
    expect(parseRoute("#/goals?site=sk_demo").site).toBe("sk_demo");
    expect(parseRoute("#/goals/abc?site=sk_demo").view).toEqual({ name: "goal", id: "abc" });
    expect(parseRoute("#/goals/abc/edit").view).toEqual({ name: "edit", id: "abc" });
    expect(parseRoute("#/new").view).toEqual({ name: "new" });
    expect(parseRoute("#/goals/abc?interval=MONTH").interval).toBe("MONTH");
    expect(parseRoute("#/goals/abc?interval=YEAR").interval).toBeNull();
  });

  it("writes what it reads", () => {
    const route = parseRoute("#/goals/a%20b?site=sk_demo&period=custom&from=2024-01-01&to=2024-01-31&interval=WEEK");
    expect(route.view).toEqual({ name: "goal", id: "a b" });
    expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute({ ...route, view: { name: "goals" } })).toBe(
      "#/goals?site=sk_demo&period=custom&from=2024-01-01&to=2024-01-31",
    );
  });
});
