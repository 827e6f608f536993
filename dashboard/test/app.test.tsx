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

function figures(visitors: number, from: string, to: string) {
  return { from, to, timezone: "Europe/Berlin", visitors, visits: visitors + 10, pageviews: 3 * visitors, viewsPerVisit: 2.5, bounceRate: 0.4, visitDuration: 95 };
}

/** The site overview: its numbers against the period before, and five short top lists. */
function overview() {
  const buckets = (n: number) => [
    { date: "2024-03-01", visitors: n, visits: n + 1 },
    { date: "2024-03-02", visitors: n + 2, visits: n + 3 },
  ];
  const rows = (values: string[]) => ({ nodes: values.map((value, i) => ({ value, visitors: 100 - 40 * i, visits: 120 - 40 * i })) });
  return {
    data: {
      site: {
        ...SITE,
        stats: {
          ...figures(200, "2024-03-01", "2024-03-30"),
          timeseries: buckets(5),
          previous: { ...figures(160, "2024-01-31", "2024-02-29"), timeseries: buckets(3) },
        },
        sources: rows(["Google", "a-very-long-referrer-name-that-goes-on.example.com"]),
        pages: rows(["/", "/pricing"]),
        entryPages: rows(["/"]),
        countries: rows(["DE", "FR"]),
        devices: rows([]),
      },
    },
  };
}

type Answer = { data: unknown; errors?: unknown[] };
type Handler = (variables: Record<string, unknown>, query: string) => Answer;

/** Answers each operation by name, like goalgate would; `handlers` answer others (or differently). */
function api(scopes: string[], handlers: Record<string, Handler> = {}) {
  const seen: { operation: string; variables: Record<string, unknown>; authorization: string; query: string }[] = [];
  const impl = vi.fn(async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const operation = /(?:query|mutation) (\w+)/.exec(body.query)?.[1] ?? "?";
    seen.push({ operation, variables: body.variables, authorization: (init.headers as Record<string, string>).Authorization ?? "", query: body.query });
    const json = (data: unknown) => new Response(JSON.stringify(data), { status: 200, headers: { "Content-Type": "application/json" } });
    const handler = handlers[operation];
    if (handler) return json(handler(body.variables, body.query));
    if (operation === "Viewer") {
      if (!scopes.includes("analytics:read")) {
        return json({
          data: null,
          errors: [{ message: "this token lacks the analytics:read scope", path: ["viewer"], extensions: { code: "FORBIDDEN", scope: "analytics:read" } }],
        });
      }
      return json({ data: { viewer: { name: "demo", scopes, sites: [SITE] } } });
    }
    if (operation === "SiteOverview") return json(overview());
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

  it("shows a goal whose stats failed with the others, marked, with the API's message", async () => {
    const fault = "the stats of this goal could not be computed (try again)";
    const { impl } = api(["analytics:read"], {
      GoalsOverview: () => ({
        data: {
          site: {
            ...SITE,
            goals: {
              totalCount: 3,
              pageInfo: { hasNextPage: false, endCursor: null },
              nodes: [goal("Signup", 60), { ...goal("Broken", 0), stats: null }, goal("Blog", 1173)],
            },
          },
        },
        errors: [{ message: fault, path: ["site", "goals", "nodes", 1, "stats"], extensions: { code: "INTERNAL_SERVER_ERROR" } }],
      }),
    });
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => text().includes("Blog"));
    const row = (id: string) => root.querySelector<HTMLTableRowElement>(`tr[data-goal-id="${id}"]`)!;
    expect(row("id-Blog").querySelector("[data-column=conversions]")?.textContent).toBe("1,173");
    expect(row("id-Signup").querySelector("[data-column=conversions]")?.textContent).toBe("60");
    const broken = row("id-Broken");
    expect(broken.dataset.stats).toBe("unavailable");
    expect(broken.querySelector("th a")?.textContent).toBe("Broken");
    expect(broken.querySelector(".unavailable-mark")?.textContent).toBe("Stats unavailable");
    expect(broken.querySelector(".unavailable-reason")?.textContent).toBe(fault);
    expect(broken.querySelector("[data-column=conversions]")).toBeNull();
    // every row has as many cells as the heading has columns
    const headings = root.querySelectorAll("table.goals thead th").length;
    const width = (tr: HTMLTableRowElement) => [...tr.cells].reduce((sum, cell) => sum + cell.colSpan, 0);
    expect(width(broken)).toBe(headings);
    expect(width(row("id-Blog"))).toBe(headings);
    expect(root.querySelector("[data-note=stats-unavailable]")?.textContent).toContain("1 of 3 goals");
    expect(root.querySelector(".error-box")).toBeNull();
    expect(text()).toContain("Mar 1, 2024 – Mar 30, 2024");

    // sorted by a number, the goal without stats goes last, either way
    const names = () => [...root.querySelectorAll("tbody th a")].map((a) => a.textContent);
    const conversions = [...root.querySelectorAll<HTMLButtonElement>("th button.sort")].find((b) => b.textContent?.startsWith("Conversions"))!;
    await act(async () => conversions.click());
    expect(names()).toEqual(["Blog", "Signup", "Broken"]);
    await act(async () => conversions.click());
    expect(names()).toEqual(["Signup", "Blog", "Broken"]);
  });

  it("says why a site's goals are missing instead of calling it empty", async () => {
    const { impl } = api(["analytics:read"], {
      GoalsOverview: () => ({
        data: { site: { ...SITE, goals: null } },
        errors: [{ message: "first must be between 1 and 100", path: ["site", "goals"], extensions: { code: "BAD_USER_INPUT" } }],
      }),
    });
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => text().includes("could not be listed"));
    expect(root.querySelector("[data-error=goals]")?.textContent).toContain("The goals of this site could not be listed: first must be between 1 and 100");
    expect(text()).toContain("demo.example.com");
    expect(text()).not.toContain("no goals yet");
    expect(root.querySelector("table.goals")).toBeNull();
  });

  it("opens a goal whose stats failed: its definition, controls and top matches, and why there are no numbers", async () => {
    history.replaceState(null, "", "/dashboard/#/goals/id-Signup?site=sk_demo");
    const { impl, seen } = api(["analytics:read", "analytics:write"], {
      GoalDetail: () => ({
        data: { goal: { ...goal("Signup", 0), stats: null } },
        errors: [{ message: "The compared period starts before 1970.", path: ["goal", "stats"], extensions: { code: "BAD_USER_INPUT" } }],
      }),
      PreviewGoal: () => ({ data: { previewGoal: { stats: null, topMatches: [{ value: "/signup", conversions: 7 }], userErrors: [] } } }),
    });
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_both");
    await settle(() => text().includes("Stats unavailable"));
    expect(root.querySelector("h1")?.textContent).toBe("Signup");
    expect(root.querySelector("[data-stats=unavailable] .unavailable-reason")?.textContent).toBe("The compared period starts before 1970.");
    expect(root.querySelector("figure.chart")).toBeNull();
    expect(root.querySelector("[data-figure=conversions]")).toBeNull();
    expect(labelled("Edit Signup")).toHaveLength(1);
    expect(text()).toContain("/signup");
    expect(seen.map((s) => s.operation)).toEqual(["Viewer", "GoalDetail", "PreviewGoal"]);
  });

  it("breaks a goal down, pages through it, and filters by a value, keeping the filter in the address", async () => {
    history.replaceState(null, "", "/dashboard/#/goals/id-Signup?site=sk_demo&by=country&filter=source:is:Google");
    const bucket = (date: string, conversions: number) => ({ date, conversions, uniqueConversions: conversions, revenue: null });
    const detailStats = (conversions: number) => ({
      ...goal("Signup", conversions).stats,
      visitors: 100,
      revenueByCurrency: [],
      unconvertedConversions: 0,
      timeseries: [bucket("2024-03-01", conversions)],
      previous: { from: "2024-01-31", to: "2024-02-29", conversions: 1, uniqueConversions: 1, conversionRate: 0.01, revenue: null, timeseries: [bucket("2024-01-31", 1)] },
    });
    const row = (value: string, conversions: number) => ({ value, conversions, uniqueConversions: conversions, conversionRate: 0.125, revenue: null });
    const { impl, seen } = api(["analytics:read"], {
      GoalDetail: (variables) => {
        const filters = (variables.filter ?? []) as unknown[];
        return {
          data: {
            goal: {
              ...goal("Signup", 0),
              stats: detailStats(filters.length === 1 ? 40 : 7),
              breakdown: { nodes: [row("DE", 30), row("FR", 10)], pageInfo: { hasNextPage: true, endCursor: "c1" } },
            },
          },
        };
      },
      GoalBreakdown: () => ({
        data: { goal: { id: "id-Signup", breakdown: { nodes: [row("(unknown)", 2)], pageInfo: { hasNextPage: false, endCursor: "c2" } } } },
      }),
      PreviewGoal: () => ({ data: { previewGoal: { stats: null, topMatches: [], userErrors: [] } } }),
    });
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => root.querySelector("table.breakdown-table") !== null);
    const first = seen.find((s) => s.operation === "GoalDetail")!;
    expect(first.variables).toMatchObject({ by: "COUNTRY", filter: [{ dimension: "SOURCE", operator: "IS", values: ["Google"] }] });
    expect(seen.find((s) => s.operation === "PreviewGoal")?.variables.filter).toEqual(first.variables.filter);
    expect(root.querySelector(".chip-text")?.textContent).toBe("Source is Google");
    expect(root.querySelector("[data-figure=conversions]")?.textContent).toBe("40");
    expect(root.querySelector<HTMLSelectElement>("#breakdown-select")?.value).toBe("COUNTRY");
    const values = () => [...root.querySelectorAll("table.breakdown-table tbody th button")].map((b) => b.textContent);
    expect(values()).toEqual(["Germany", "France"]);
    expect(root.querySelector("table.breakdown-table [data-column=conversionRate]")?.textContent).toBe("12.50%");
    expect(root.querySelector("table.breakdown-table caption")?.textContent).toBe("Signup: conversions by country, where Source is Google");

    // More: the next page alone, after the cursor, under the same filter
    const more = [...root.querySelectorAll<HTMLButtonElement>(".breakdown button")].find((b) => b.textContent?.startsWith("More"))!;
    await act(async () => more.click());
    await settle(() => values().length === 3);
    expect(values()).toEqual(["Germany", "France", "(unknown)"]);
    const paged = seen.find((s) => s.operation === "GoalBreakdown")!;
    expect(paged.variables).toMatchObject({ id: "id-Signup", by: "COUNTRY", after: "c1", filter: first.variables.filter });
    expect(root.querySelector(".breakdown button.small")).toBeNull();

    // a value becomes a clause of the filter, in the address, and the page asks again
    await act(async () => root.querySelector<HTMLButtonElement>("tr[data-value=DE] button")!.click());
    await settle(() => location.hash.includes("filter=country%3Ais%3ADE"));
    expect(location.hash).toContain("filter=source%3Ais%3AGoogle");
    await settle(() => root.querySelectorAll(".chip").length === 2);
    expect([...root.querySelectorAll(".chip-text")].map((c) => c.textContent)).toEqual(["Source is Google", "Country is Germany"]);
    await settle(() => root.querySelector("[data-figure=conversions]")?.textContent === "7");
    expect(seen.filter((s) => s.operation === "GoalDetail").at(-1)?.variables.filter).toEqual([
      { dimension: "SOURCE", operator: "IS", values: ["Google"] },
      { dimension: "COUNTRY", operator: "IS", values: ["DE"] },
    ]);

    // a chip's button takes its clause away
    await act(async () => {
      (labelled("Remove the filter Source is Google")[0] as HTMLButtonElement).click();
    });
    await settle(() => !location.hash.includes("source"));
    expect(location.hash).toContain("filter=country%3Ais%3ADE");
    await settle(() => root.querySelectorAll(".chip").length === 1);
  });

  it("lets a write-only token create a goal, asking for no stats, even if the payload comes back in part", async () => {
    history.replaceState(null, "", "/dashboard/#/new?site=sk_demo");
    const created = { ...goal("Blind", 0), stats: undefined };
    const { impl, seen } = api(["analytics:write"], {
      // Were analytics fields asked for, goalgate would null them with FORBIDDEN: the goal is saved all the same.
      CreateGoal: () => ({
        data: { createGoal: { goal: created, userErrors: [] } },
        errors: [{ message: "this token lacks the analytics:read scope", path: ["createGoal", "goal", "stats"], extensions: { code: "FORBIDDEN", scope: "analytics:read" } }],
      }),
    });
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_write");
    await settle(() => root.querySelector("#goal-name") !== null);
    expect(text()).toContain("Previews need a token with the analytics:read scope");
    const fill = async (selector: string, value: string) => {
      const input = root.querySelector<HTMLInputElement>(selector)!;
      await act(async () => {
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    };
    await fill("#goal-name", "Blind");
    await fill("#goal-match-value", "/blind");
    await act(async () => {
      root.querySelector("form.goal-form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    });
    await settle(() => text().includes("Created “Blind”."));
    await settle(() => text().includes("Goals changed in this tab"));
    expect(labelled("Delete Blind")).toHaveLength(1);
    const create = seen.find((s) => s.operation === "CreateGoal")!;
    expect(create.query).not.toMatch(/\bstats\b/);
    expect(create.variables).toMatchObject({ site: "sk_demo", input: { name: "Blind", matchValue: "/blind" } });
    expect(seen.map((s) => s.operation)).toEqual(["Viewer", "CreateGoal"]);
    expect(root.querySelector("#form-error")).toBeNull();
  });
});

describe("the site overview", () => {
  it("shows the site's numbers with their change, bars in proportion, and a value that filters everything", async () => {
    const { impl, seen } = api(["analytics:read"]);
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => root.querySelector("[data-figure=visitors]") !== null && text().includes("Blog"));
    const figure = (key: string) => root.querySelector(`[data-figure=${key}]`)?.textContent;
    expect(figure("visitors")).toBe("200");
    expect(figure("visits")).toBe("210");
    expect(figure("pageviews")).toBe("600");
    expect(figure("viewsPerVisit")).toBe("2.50");
    expect(figure("bounceRate")).toBe("40.00%");
    expect(figure("visitDuration")).toBe("1m 35s");
    // 200 against 160 visitors
    expect(root.querySelector("[data-figure=visitors] + dd .change-figure")?.textContent).toBe("+25.0%");
    expect(root.querySelector("[data-previous=visitors]")?.textContent).toBe(" vs 160");
    expect(root.querySelector("figure.chart path.line-previous")).not.toBeNull();
    expect(text()).toContain("Mar 1, 2024 – Mar 30, 2024");

    const sources = root.querySelector<HTMLElement>("[data-top=SOURCE]")!;
    expect(sources.querySelector("h2")?.textContent).toBe("Top sources");
    const bars = [...sources.querySelectorAll("svg.bar rect")].map((rect) => rect.getAttribute("width"));
    expect(bars).toEqual(["100%", "60%"]);
    const long = sources.querySelector<HTMLButtonElement>('tr[data-value^="a-very-long"] button')!;
    expect(long.title).toBe("a-very-long-referrer-name-that-goes-on.example.com");
    expect(root.querySelector("[data-top=DEVICE] [data-top-empty]")?.textContent).toBe("No visits in this period.");
    expect(root.querySelector('[data-top=COUNTRY] tr[data-value="DE"] button')?.textContent).toBe("Germany");

    const google = sources.querySelector<HTMLButtonElement>('tr[data-value="Google"] button')!;
    await act(async () => google.click());
    await settle(() => location.hash.includes("filter=source%3Ais%3AGoogle") && root.querySelector(".chip") !== null);
    expect(root.querySelector(".chip-text")?.textContent).toBe("Source is Google");
    const clause = [{ dimension: "SOURCE", operator: "IS", values: ["Google"] }];
    await settle(() => seen.filter((s) => s.operation === "GoalsOverview").some((s) => JSON.stringify(s.variables.filter) === JSON.stringify(clause)));
    expect(seen.filter((s) => s.operation === "SiteOverview").at(-1)!.variables.filter).toEqual(clause);
    // the funnel's link carries the filter
    const funnelLink = [...root.querySelectorAll<HTMLAnchorElement>("nav.views a")].find((a) => a.textContent === "Funnel")!;
    expect(funnelLink.getAttribute("href")).toContain("filter=source%3Ais%3AGoogle");
  });

  it("says why the site's numbers are missing, and keeps the goals", async () => {
    const { impl } = api(["analytics:read"], {
      SiteOverview: () => ({
        data: { site: null },
        errors: [{ message: "country must be an ISO 3166 code", path: ["site", "stats"], extensions: { code: "BAD_USER_INPUT" } }],
      }),
    });
    vi.stubGlobal("fetch", impl);
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => root.querySelector("[data-error=overview]") !== null && text().includes("Blog"));
    expect(root.querySelector("[data-error=overview]")?.textContent).toContain("country must be an ISO 3166 code");
  });
});

describe("the funnel", () => {
  const GOALS = ["Visit pricing", "Signup", "Purchase"].map((name, i) => ({ id: `g${i}`, name }));

  it("takes 2 to 8 goals in order, says why it cannot be sent otherwise, and shows each step", async () => {
    const { impl, seen } = api(["analytics:read"], {
      FunnelGoals: () => ({ data: { site: { key: "sk_demo", goals: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: GOALS } } } }),
      SiteFunnel: (variables) => ({
        data: {
          site: {
            key: "sk_demo",
            funnel: {
              from: "2024-03-01",
              to: "2024-03-30",
              timezone: "UTC",
              steps: (variables.steps as string[]).map((id, i) => ({
                goal: GOALS.find((g) => g.id === id),
                visitors: 400 / 2 ** i,
                conversionRate: 1 / 2 ** i,
                dropOff: i === 0 ? 0 : 400 / 2 ** i,
              })),
            },
          },
        },
      }),
    });
    vi.stubGlobal("fetch", impl);
    history.replaceState(null, "", "/dashboard/#/funnel?site=sk_demo");
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => root.querySelector("#funnel-goal option") !== null);
    expect(root.querySelector("label[for=funnel-goal]")?.textContent).toBe("Goal to add");
    const add = labelled("Add step")[0] as HTMLButtonElement;
    const submit = () => act(async () => (labelled("Show the funnel")[0] as HTMLButtonElement).click());
    const steps = () => [...root.querySelectorAll(".funnel-steps .step-name")].map((el) => el.textContent);

    await submit();
    expect(root.querySelector("#steps-error")?.textContent).toBe("A funnel needs at least 2 steps: add two goals.");
    await act(async () => add.click());
    await submit();
    expect(root.querySelector("#steps-error")?.textContent).toBe("A funnel needs at least 2 steps: add one more goal.");
    expect(seen.some((s) => s.operation === "SiteFunnel")).toBe(false);

    await act(async () => add.click());
    await act(async () => add.click());
    expect(steps()).toEqual(["Visit pricing", "Signup", "Purchase"]);
    expect((root.querySelector("#funnel-goal") as HTMLSelectElement).disabled).toBe(true);
    await act(async () => (labelled("Move Purchase up")[0] as HTMLButtonElement).click());
    await act(async () => (labelled("Remove Visit pricing")[0] as HTMLButtonElement).click());
    await act(async () => {
      (root.querySelector("#funnel-goal") as HTMLSelectElement).dispatchEvent(new Event("change", { bubbles: true }));
    });
    await act(async () => add.click());
    expect(steps()).toEqual(["Purchase", "Signup", "Visit pricing"]);
    await submit();
    await settle(() => root.querySelector(".funnel-table tbody tr") !== null);
    expect(seen.find((s) => s.operation === "SiteFunnel")!.variables).toMatchObject({ site: "sk_demo", steps: ["g2", "g1", "g0"], filter: null });
    expect(location.hash).toContain("steps=g2%2Cg1%2Cg0");
    const cells = [...root.querySelectorAll(".funnel-table tbody tr")].map((tr) =>
      [...tr.querySelectorAll("[data-column]")].map((td) => td.textContent),
    );
    expect(cells).toEqual([
      ["400", "100.00%", "—"],
      ["200", "50.00%", "200"],
      ["100", "25.00%", "100"],
    ]);
    expect([...root.querySelectorAll(".funnel-table svg.bar rect")].map((r) => r.getAttribute("width"))).toEqual(["100%", "50%", "25%"]);
  });

  it("shows goalgate's error instead of the steps", async () => {
    const { impl } = api(["analytics:read"], {
      FunnelGoals: () => ({ data: { site: { key: "sk_demo", goals: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: GOALS } } } }),
      SiteFunnel: () => ({
        data: { site: null },
        errors: [{ message: "goal g9 is not a goal of this site", path: ["site", "funnel"], extensions: { code: "NOT_FOUND" } }],
      }),
    });
    vi.stubGlobal("fetch", impl);
    history.replaceState(null, "", "/dashboard/#/funnel?site=sk_demo&steps=g0,g9");
    render(<App />, root);
    await signIn("gg_read");
    await settle(() => root.querySelector("[data-error=funnel]") !== null);
    expect(root.querySelector("[data-error=funnel]")?.textContent).toContain("goal g9 is not a goal of this site");
    expect(root.querySelector("[data-error=funnel]")?.getAttribute("role")).toBe("alert");
  });
});
