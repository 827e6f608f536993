import { describe, expect, it } from "vitest";
import { areaPath, indexAt, linePath, niceScale, ticksOf, xAt, yAt } from "../src/lib/chart";

describe("chart scales", () => {
  it("rounds the top of the axis up to a round step", () => {
    expect(niceScale(0)).toEqual({ top: 4, step: 1 });
    expect(niceScale(3)).toEqual({ top: 3, step: 1 });
    expect(niceScale(97)).toEqual({ top: 100, step: 25 });
    expect(niceScale(1173)).toEqual({ top: 1500, step: 500 });
    expect(niceScale(1343.5)).toEqual({ top: 1500, step: 500 });
    expect(ticksOf({ top: 100, step: 25 })).toEqual([0, 25, 50, 75, 100]);
  });

  it("never gives a count axis fractional steps", () => {
    const scale = niceScale(2);
    expect(Number.isInteger(scale.step)).toBe(true);
    expect(ticksOf(scale).every(Number.isInteger)).toBe(true);
  });

  it("spreads points across the width and up from the bottom", () => {
    expect(xAt(0, 3, 100)).toBe(0);
    expect(xAt(2, 3, 100)).toBe(100);
    expect(xAt(0, 1, 100)).toBe(50);
    expect(yAt(0, 10, 50)).toBe(50);
    expect(yAt(10, 10, 50)).toBe(0);
  });

  it("draws a path through the values, and closes an area to the axis", () => {
    expect(linePath([0, 10, 5], 10, { width: 100, height: 50 })).toBe("M0 50 L50 0 L100 25");
    expect(areaPath([0, 10], 10, { width: 100, height: 50 })).toBe("M0 50 L100 0 L100 50 L0 50 Z");
    expect(linePath([], 10, { width: 100, height: 50 })).toBe("");
    // a shorter compared period keeps the x positions of the longer one
    expect(linePath([1, 1], 2, { width: 100, height: 50 }, 3)).toBe("M0 25 L50 25");
  });

  it("finds the bucket under the pointer", () => {
    expect(indexAt(0, 30, 290)).toBe(0);
    expect(indexAt(290, 30, 290)).toBe(29);
    expect(indexAt(-5, 30, 290)).toBe(0);
    expect(indexAt(1000, 30, 290)).toBe(29);
    expect(indexAt(146, 30, 290)).toBe(15);
  });
});
