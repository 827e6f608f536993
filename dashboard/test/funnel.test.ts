import { describe, expect, it } from "vitest";
import { MAX_STEPS, addStep, moveStep, removeStep, stepsFromParam, stepsProblem, stepsToParam } from "../src/lib/funnel";

describe("a funnel's steps", () => {
  it("adds a goal once, and no more than eight", () => {
    expect(addStep([], "a")).toEqual(["a"]);
    expect(addStep(["a"], "b")).toEqual(["a", "b"]);
    expect(addStep(["a", "b"], "a")).toEqual(["a", "b"]);
    expect(addStep(["a"], "")).toEqual(["a"]);
    const full = ["1", "2", "3", "4", "5", "6", "7", "8"];
    expect(full).toHaveLength(MAX_STEPS);
    expect(addStep(full, "9")).toEqual(full);
  });

  it("removes and reorders", () => {
    expect(removeStep(["a", "b", "c"], 1)).toEqual(["a", "c"]);
    expect(moveStep(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
    expect(moveStep(["a", "b", "c"], 1, 1)).toEqual(["a", "c", "b"]);
    expect(moveStep(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moveStep(["a", "b", "c"], 2, 1)).toEqual(["a", "b", "c"]);
  });

  it("says why fewer than two or more than eight cannot be asked for", () => {
    expect(stepsProblem([])).toBe("A funnel needs at least 2 steps: add two goals.");
    expect(stepsProblem(["a"])).toBe("A funnel needs at least 2 steps: add one more goal.");
    expect(stepsProblem(["a", "b"])).toBeNull();
    expect(stepsProblem(["1", "2", "3", "4", "5", "6", "7", "8"])).toBeNull();
    expect(stepsProblem(["1", "2", "3", "4", "5", "6", "7", "8", "9"])).toBe("A funnel has at most 8 steps: remove 1.");
  });

  it("round-trips through the address", () => {
    expect(stepsFromParam(null)).toEqual([]);
    expect(stepsFromParam("a, b,,a,c")).toEqual(["a", "b", "c"]);
    expect(stepsFromParam(stepsToParam(["x", "y"]))).toEqual(["x", "y"]);
  });
});
