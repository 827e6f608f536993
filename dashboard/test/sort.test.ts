import { describe, expect, it } from "vitest";
import { nextSort, sortRows } from "../src/lib/sort";

const rows = [
  { name: "Signup", conversions: 60, uniqueConversions: 60, conversionRate: 0.03, revenue: null, change: -0.25 },
  { name: "purchase", conversions: 31, uniqueConversions: 30, conversionRate: 0.0177, revenue: 1343, change: null },
  { name: "Blog", conversions: 1173, uniqueConversions: 877, conversionRate: 0.4997, revenue: 10, change: 0.1 },
];

const names = (list: readonly { name: string }[]) => list.map((r) => r.name);

describe("sorting the goals", () => {
  it("sorts names alphabetically, ignoring case", () => {
    expect(names(sortRows(rows, { key: "name", direction: "ascending" }))).toEqual(["Blog", "purchase", "Signup"]);
    expect(names(sortRows(rows, { key: "name", direction: "descending" }))).toEqual(["Signup", "purchase", "Blog"]);
  });

  it("sorts numbers, and a missing number always last", () => {
    expect(names(sortRows(rows, { key: "conversions", direction: "descending" }))).toEqual(["Blog", "Signup", "purchase"]);
    expect(names(sortRows(rows, { key: "revenue", direction: "descending" }))).toEqual(["purchase", "Blog", "Signup"]);
    expect(names(sortRows(rows, { key: "revenue", direction: "ascending" }))).toEqual(["Blog", "purchase", "Signup"]);
    expect(names(sortRows(rows, { key: "change", direction: "ascending" }))).toEqual(["Signup", "Blog", "purchase"]);
  });

  it("puts a goal without stats last in every numeric column, either way", () => {
    const withUnavailable = [
      ...rows,
      { name: "Again", conversions: null, uniqueConversions: null, conversionRate: null, revenue: null, change: null },
    ];
    for (const key of ["conversions", "uniqueConversions", "conversionRate", "revenue", "change"] as const) {
      for (const direction of ["ascending", "descending"] as const) {
        const sorted = sortRows(withUnavailable, { key, direction });
        const firstMissing = sorted.findIndex((row) => row[key] === null);
        expect(sorted.slice(firstMissing).every((row) => row[key] === null)).toBe(true);
        expect(names(sorted)).toContain("Again");
        expect(names(sorted).indexOf("Again")).toBeGreaterThanOrEqual(firstMissing);
      }
    }
    expect(names(sortRows(withUnavailable, { key: "conversions", direction: "descending" }))).toEqual(["Blog", "Signup", "purchase", "Again"]);
    expect(names(sortRows(withUnavailable, { key: "name", direction: "ascending" }))[0]).toBe("Again");
  });

  it("does not change the list it is given", () => {
    const before = names(rows);
    sortRows(rows, { key: "conversions", direction: "ascending" });
    expect(names(rows)).toEqual(before);
  });

  it("starts numbers largest first and flips on a second click", () => {
    const byName = { key: "name" as const, direction: "ascending" as const };
    const byConversions = nextSort(byName, "conversions");
    expect(byConversions).toEqual({ key: "conversions", direction: "descending" });
    expect(nextSort(byConversions, "conversions")).toEqual({ key: "conversions", direction: "ascending" });
    expect(nextSort(byConversions, "name")).toEqual({ key: "name", direction: "ascending" });
  });
});
