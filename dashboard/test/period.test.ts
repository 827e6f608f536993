import { describe, expect, it } from "vitest";
import {
  customRangeProblem,
  daysBetween,
  defaultCustomRange,
  defaultInterval,
  periodFromParams,
  periodToParam,
  periodVariables,
} from "../src/lib/period";

describe("periods", () => {
  it("sends from and to only for a custom period", () => {
    expect(periodVariables({ kind: "LAST_7_DAYS" })).toEqual({ period: "LAST_7_DAYS", from: null, to: null });
    expect(periodVariables({ kind: "CUSTOM", from: "2024-03-01", to: "2024-03-31" })).toEqual({
      period: "CUSTOM",
      from: "2024-03-01",
      to: "2024-03-31",
    });
  });

  it("counts days with both ends included", () => {
    expect(daysBetween("2024-03-01", "2024-03-01")).toBe(1);
    expect(daysBetween("2024-02-28", "2024-03-01")).toBe(3);
    expect(daysBetween("2023-01-01", "2023-12-31")).toBe(365);
  });

  it("picks buckets that keep a series readable", () => {
    expect(defaultInterval({ kind: "LAST_7_DAYS" })).toBe("DAY");
    expect(defaultInterval({ kind: "LAST_30_DAYS" })).toBe("DAY");
    expect(defaultInterval({ kind: "LAST_12_MONTHS" })).toBe("WEEK");
    expect(defaultInterval({ kind: "CUSTOM", from: "2024-01-01", to: "2024-03-02" })).toBe("DAY");
    expect(defaultInterval({ kind: "CUSTOM", from: "2024-01-01", to: "2024-06-30" })).toBe("WEEK");
    expect(defaultInterval({ kind: "CUSTOM", from: "2022-01-01", to: "2024-06-30" })).toBe("MONTH");
  });

  it("says what is wrong with a custom range", () => {
    expect(customRangeProblem("2024-03-01", "2024-03-31")).toBeNull();
    expect(customRangeProblem("", "2024-03-31")).toMatch(/both/);
    expect(customRangeProblem("2024-04-01", "2024-03-31")).toMatch(/after/);
    expect(customRangeProblem("1/3/2024", "2024-03-31")).toMatch(/YYYY-MM-DD/);
  });

  it("defaults a custom range to the 30 days up to today", () => {
    expect(defaultCustomRange(new Date(2024, 2, 31))).toEqual({ from: "2024-03-02", to: "2024-03-31" });
  });

  it("round-trips through the address bar", () => {
    for (const period of [
      { kind: "LAST_7_DAYS" as const },
      { kind: "LAST_12_MONTHS" as const },
      { kind: "CUSTOM" as const, from: "2024-01-05", to: "2024-02-01" },
    ]) {
      expect(periodFromParams(new URLSearchParams(periodToParam(period)))).toEqual(period);
    }
    expect(periodFromParams(new URLSearchParams("period=nonsense"))).toEqual({ kind: "LAST_30_DAYS" });
    expect(periodFromParams(new URLSearchParams("period=custom&from=x&to=y")).kind).toBe("CUSTOM");
  });
});
