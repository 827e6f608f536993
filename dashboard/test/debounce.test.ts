import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { debounce, latestOnly } from "../src/lib/debounce";

describe("debounce", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("calls once, with the last arguments, after typing stops", () => {
    const calls: string[] = [];
    const typed = debounce((value: string) => calls.push(value), 300);
    typed("/b");
    vi.advanceTimersByTime(200);
    typed("/bl");
    vi.advanceTimersByTime(200);
    typed("/blog");
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(300);
    expect(calls).toEqual(["/blog"]);
  });

  it("can be cancelled", () => {
    const calls: string[] = [];
    const typed = debounce((value: string) => calls.push(value), 300);
    typed("x");
    typed.cancel();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([]);
  });
});

describe("latestOnly", () => {
  it("lets only the latest request's answer through", () => {
    const guard = latestOnly();
    const first = guard.next();
    const second = guard.next();
    expect(guard.isCurrent(first)).toBe(false);
    expect(guard.isCurrent(second)).toBe(true);
  });
});
