import { describe, expect, it } from "vitest";
import { errorsByField, fieldOf } from "../src/lib/userErrors";
import { capabilities } from "../src/lib/scopes";
import { changesOf } from "../src/components/GoalEditor";

describe("user errors beside their fields", () => {
  it("maps the API's field paths to form fields", () => {
    expect(fieldOf({ code: "INVALID", field: ["input", "matchValue"], message: "x" })).toBe("matchValue");
    expect(fieldOf({ code: "TAKEN", field: ["input", "name"], message: "x" })).toBe("name");
    expect(fieldOf({ code: "NOT_FOUND", field: null, message: "x" })).toBe("form");
  });

  it("joins several errors on one field", () => {
    expect(
      errorsByField([
        { code: "INVALID", field: ["input", "name"], message: "Too long." },
        { code: "INVALID", field: ["input", "name"], message: "No control characters." },
        { code: "INVALID", field: ["input", "currency"], message: "Unknown currency." },
      ]),
    ).toEqual({ name: "Too long. No control characters.", currency: "Unknown currency." });
  });
});

describe("what a token may do", () => {
  it("follows viewer.scopes", () => {
    expect(capabilities(["analytics:read"])).toEqual({ read: true, write: false });
    expect(capabilities(["analytics:write"])).toEqual({ read: false, write: true });
    expect(capabilities(["analytics:read", "analytics:write"])).toEqual({ read: true, write: true });
  });
});

describe("an edit sends only what changed", () => {
  const original = { name: "Purchase", type: "CUSTOM" as const, matchType: "EXACT" as const, matchValue: "purchase", currency: "USD" };
  it("sends nothing for no change", () => {
    expect(changesOf(original, { ...original })).toEqual({});
  });
  it("sends a rename alone", () => {
    expect(changesOf(original, { ...original, name: "Order" })).toEqual({ name: "Order" });
  });
  it("sends currency null when it is emptied", () => {
    expect(changesOf(original, { ...original, currency: " " })).toEqual({ currency: null });
    expect(changesOf({ ...original, currency: "" }, { ...original, currency: "eur" })).toEqual({ currency: "EUR" });
  });
});
