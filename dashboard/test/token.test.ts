import { beforeEach, describe, expect, it } from "vitest";
import { TOKEN_KEY, clearToken, loadToken, normalizeToken, saveToken } from "../src/lib/token";

describe("the token's storage", () => {
  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
  });

  it("keeps the token in sessionStorage only", () => {
    saveToken("gg_secret");
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe("gg_secret");
    expect(loadToken()).toBe("gg_secret");
    expect(localStorage.length).toBe(0);
    expect(document.cookie).toBe("");
  });

  it("forgets it on sign out", () => {
    saveToken("gg_secret");
    clearToken();
    expect(loadToken()).toBeNull();
    expect(sessionStorage.length).toBe(0);
  });

  it("takes a pasted token with or without the Bearer prefix", () => {
    expect(normalizeToken("  gg_abc \n")).toBe("gg_abc");
    expect(normalizeToken("Bearer gg_abc")).toBe("gg_abc");
    expect(normalizeToken("bearer   gg_abc")).toBe("gg_abc");
    expect(normalizeToken("   ")).toBe("");
  });
});
