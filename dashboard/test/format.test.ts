import { describe, expect, it } from "vitest";
import { describeMatch, formatChange, formatCount, formatDay, formatMoney, formatRange, formatRate } from "../src/lib/format";

// happy-dom's navigator.language is en-US.
describe("plain figures", () => {
  it("writes counts in full, with grouping", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(1204)).toBe("1,204");
    expect(formatCount(1_234_567)).toBe("1,234,567");
  });

  it("writes rates as percentages with two decimals", () => {
    expect(formatRate(0)).toBe("0.00%");
    expect(formatRate(0.25)).toBe("25.00%");
    expect(formatRate(0.034567)).toBe("3.46%");
  });

  it("writes changes signed, and a dash when there is nothing to compare with", () => {
    expect(formatChange(0.123)).toBe("+12.3%");
    expect(formatChange(-0.05)).toBe("-5.0%");
    expect(formatChange(0)).toBe("0.0%");
    expect(formatChange(null)).toBe("—");
    expect(formatChange(undefined)).toBe("—");
  });

  it("writes money in its currency, exact to the minor unit", () => {
    expect(formatMoney({ amount: "16758.00", currency: "USD" })).toBe("$16,758.00");
    expect(formatMoney({ amount: "1500", currency: "JPY" })).toBe("¥1,500");
    expect(formatMoney({ amount: "0.10", currency: "EUR" })).toBe("€0.10");
    // a decimal string is not rounded through a float
    expect(formatMoney({ amount: "90071992547409.93", currency: "USD" })).toBe("$90,071,992,547,409.93");
    expect(formatMoney(null)).toBe("—");
  });

  it("writes calendar days without shifting them by the browser's zone", () => {
    expect(formatDay("2024-03-01")).toBe("Mar 1, 2024");
    expect(formatDay("2024-03-01", "short")).toBe("Mar 1");
    expect(formatRange("2024-03-01", "2024-03-07")).toBe("Mar 1, 2024 – Mar 7, 2024");
    expect(formatRange("2024-03-01", "2024-03-01")).toBe("Mar 1, 2024");
  });

  it("describes a goal's match in words", () => {
    expect(describeMatch({ type: "PAGEVIEW", matchType: "EXACT", matchValue: "/thank-you" })).toBe("Page path is exactly /thank-you");
    expect(describeMatch({ type: "EVENT", matchType: "CONTAINS", matchValue: "contact" })).toBe("Event name contains contact");
    expect(describeMatch({ type: "CUSTOM", matchType: "REGEX", matchValue: "^p" })).toBe("Goal name matches the regex ^p");
  });
});
