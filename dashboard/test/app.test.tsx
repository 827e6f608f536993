import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../src/app";
import { TOKEN_KEY } from "../src/lib/token";

const SITE = { key: "sk_demo", domain: "demo.example.com", timezone: "Europe/Berlin" };

function goal(name: string, conversions: number) {
  return {
    id: `id-${name}`,
    name,
    type: "PAGEVIEW",
    matchType: "EXACT",
    matchValue: `/${name.toLowerCase()}`,
    currency: null,
    createdAt: "2024-01-01T00:00:00Z",
    updatedAt: "2024-01-01T00:00:00Z",
    stats: {
      from: "2024-03-01",
      to: "2024-03-30",
      timezone: "Europe/Berlin",
      conversions,
      uniqueConversions: conversions,
      conversionRate: 0.5,
      revenue: null,
      change: { conversions: 0.1, uniqueConversions: 0.1, revenue: null, conversionRate: 0 },
      timeseries: [
        { date: "2024-03-01", conversions: 1 },
        { date: "2024-03-02", conversions: 2 },
      ],
      previous: { from: "2024-01-31", to: "2024-02-29" },
    },
  };
}

/** Answers each operation by name, like goalgate would. */
function api(scopes: string[]) {
  const seen: { operation: string; variables: Record<string, unknown>; authorization: string }[] = [];
  const impl = vi.fn(async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const operation = /(?:query|mutation) (\w+)/.exec(body.query)?.[1] ?? "?";
    seen.push({ operation, variables: body.variables, authorization: (init.headers as Record<string, string>).Authorization ?? "" });
    const json = (data: unknown) => new Response(JSON.stringify(data), { status: 200, headers: { "Content-Type": "application/json" } });
    if (operation === "Viewer") {
      if (!scopes.includes("analytics:read")) {
        return json({ data: null, errors: [{ message: "this token lacks the analytics:read scope", extensions: { code: "FORBIDDEN", scope: "analytics:read" } }] });
      }
      return json({ data: { viewer: { name: "demo", scopes, sites: [SITE] } } });
    }
    if (operation === "GoalsOverview") {
      return json({
        data: {
          site: {
            ...SITE,
            goals: { totalCount: 2, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [goal("Signup", 60), goal("Blog", 1173)] },
          },
        },
      });
    }
    return json({ data: null, errors: [{ message: `unexpected ${operation}` }] });
  });
  return { impl, seen };
}

/** A socket that never connects: the live ticker stays "Connecting…" here. */
class SilentSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  readyState = 0;
  onopen = null;
  onclose = null;
  onmessage = null;
  onerror = null;
  send() {}
  close() {}
}

let root: HTMLElement;

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, "", "/dashboard/");
  root = document.createElement("div");
  document.body.append(root);
  vi.stubGlobal("WebSocket", SilentSocket);
});

afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

async function settle(check: () => boolean) {
  for (let i = 0; i < 100 && !check(); i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
  }
  expect(check()).toBe(true);
}

const text = () => root.textContent ?? "";
const labelled = (name: string) =>
  [...root.querySelectorAll("button, a, input, select")].filter(
    (el) => el.getAttribute("aria-label") === name || el.textContent?.trim() === name,
  );

async function signIn(token: string) {
  const input = root.querySelector<HTMLInputElement>("#token")!;
  expect(root.querySelector("label[for=token]")?.textContent).toBe("API token");
  await act(async () => {
    input.value = token;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await act(async () => {
    root.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  });
}

describe("the dashboard", () => {
  it("signs in, shows the token's scopes and sites and its goals, and forgets the token on sign out", async () => {
    const { impl, seen } = api(["analytics:read", "analytics:write"]);
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("Bearer gg_both");
    await settle(() => text().includes("Blog"));
    expect(seen[0]).toMatchObject({ operation: "Viewer", authorization: "Bearer gg_both" });
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe("gg_both");
    expect(localStorage.length).toBe(0);
    expect(text()).toContain("analytics:read");
    expect(text()).toContain("analytics:write");
    expect(text()).toContain("sk_demo");
    expect(text()).toContain("1,173");
    expect(labelled("New goal")).toHaveLength(1);
    expect(labelled("Delete Blog")).toHaveLength(1);
    expect(labelled("Edit Signup")).toHaveLength(1);
    const overview = seen.find((s) => s.operation === "GoalsOverview")!;
    expect(overview.variables).toMatchObject({ site: "sk_demo", period: "LAST_30_DAYS", interval: "DAY" });

    await act(async () => {
      (labelled("Sign out")[0] as HTMLButtonElement).click();
    });
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
    expect(root.querySelector("#token")).not.toBeNull();
  });

  it("gives a read-only token no edit controls", async () => {
    vi.stubGlobal("fetch", api(["analytics:read"]).impl);
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => text().includes("Blog"));
    expect(labelled("New goal")).toHaveLength(0);
    expect(labelled("Delete Blog")).toHaveLength(0);
    expect(labelled("Edit Blog")).toHaveLength(0);
    expect(text()).toContain("Read-only token");
  });

  it("gives a write-only token the goal editor without stats", async () => {
    const { impl, seen } = api(["analytics:write"]);
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_write");
    await settle(() => text().includes("Goal editor"));
    expect(text()).toContain("analytics:write");
    expect(text()).not.toContain("analytics:read ");
    expect(root.querySelector("label[for=site-key]")?.textContent).toBe("Site key");
    expect(seen.map((s) => s.operation)).toEqual(["Viewer"]);
    expect(text()).not.toContain("Live conversions");
  });

  it("sorts by a column when its heading is pressed", async () => {
    vi.stubGlobal("fetch", api(["analytics:read"]).impl);
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => text().includes("Blog"));
    const names = () => [...root.querySelectorAll("tbody th a")].map((a) => a.textContent);
    expect(names()).toEqual(["Blog", "Signup"]);
    const conversions = [...root.querySelectorAll<HTMLButtonElement>("th button.sort")].find((b) => b.textContent?.startsWith("Conversions"))!;
    await act(async () => conversions.click());
    expect(names()).toEqual(["Blog", "Signup"]);
    expect(conversions.closest("th")?.getAttribute("aria-sort")).toBe("descending");
    await act(async () => conversions.click());
    expect(names()).toEqual(["Signup", "Blog"]);
    expect(conversions.closest("th")?.getAttribute("aria-sort")).toBe("ascending");
  });

  it("refuses an unknown token and keeps nothing", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        new Response(JSON.stringify({ data: null, errors: [{ message: "the token is invalid or revoked", extensions: { code: "UNAUTHENTICATED" } }] }), {
          status: 200,
        }),
      ),
    );
    render(<App />, root);
    await signIn("gg_nope");
    await settle(() => text().includes("does not know this token"));
    expect(sessionStorage.length).toBe(0);
  });
});
