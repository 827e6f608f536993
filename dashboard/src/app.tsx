import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, describeError, request } from "./api/client";
import { FunnelPage } from "./components/FunnelPage";
import { GoalEditor } from "./components/GoalEditor";
import { GoalPage } from "./components/GoalPage";
import { OverviewPage } from "./components/OverviewPage";
import { LiveTicker } from "./components/LiveTicker";
import { SignIn } from "./components/SignIn";
import { Toolbar } from "./components/Toolbar";
import { WriteOnlyPage } from "./components/WriteOnlyPage";
import { Dashboard, type DashboardContext, type SiteInfo } from "./context";
import { type Dimension, type GoalFieldsFragment, type StatsInterval, ViewerDocument } from "./gql/operations";
import type { Filter } from "./lib/filters";
import type { Period } from "./lib/period";
import { type Route, type View, filtersApply, formatRoute, parseRoute } from "./lib/route";
import { READ, WRITE, capabilities } from "./lib/scopes";
import { clearToken, loadToken, saveToken } from "./lib/token";

interface Viewer {
  /** null when the token may not read its own description (no analytics:read). */
  name: string | null;
  scopes: string[];
  /** null when unknown (a write-only token). */
  sites: SiteInfo[] | null;
  /** The scopes were inferred from a FORBIDDEN answer, not read from viewer.scopes. */
  inferred: boolean;
}

type Session =
  | { state: "signed-out"; message: string | null }
  | { state: "checking"; token: string }
  | { state: "signed-in"; token: string; viewer: Viewer };

/** FORBIDDEN for lack of analytics:read, on viewer itself (or with no path). */
function refusedViewerRead(error: ApiError): boolean {
  return error.errors.some(
    (e) =>
      e.extensions?.code === "FORBIDDEN" &&
      e.extensions.scope === READ &&
      (!Array.isArray(e.path) || e.path.length === 0 || e.path[0] === "viewer"),
  );
}

/** Asks goalgate who the token is: viewer { name scopes sites }. */
async function identify(token: string): Promise<Viewer> {
  try {
    const data = await request(ViewerDocument, {}, { token });
    return { name: data.viewer.name, scopes: data.viewer.scopes, sites: data.viewer.sites, inferred: false };
  } catch (error) {
    // viewer needs analytics:read: a valid token without it is answered FORBIDDEN
    // on viewer, naming that scope (data: null, viewer being non-null), and then
    // all it can hold is analytics:write.
    if (error instanceof ApiError && refusedViewerRead(error)) {
      return { name: null, scopes: [WRITE], sites: null, inferred: true };
    }
    throw error;
  }
}

function useHashRoute(): [Route, (hash: string, replace?: boolean) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  const navigate = useCallback((hash: string, replace = false) => {
    if (location.hash === hash) return;
    if (replace) {
      history.replaceState(null, "", hash);
      setRoute(parseRoute(hash));
    } else {
      location.hash = hash;
    }
  }, []);
  return [route, navigate];
}

export function App() {
  const [session, setSession] = useState<Session>(() => {
    const token = loadToken();
    return token ? { state: "checking", token } : { state: "signed-out", message: null };
  });
  const [route, navigate] = useHashRoute();
  const [notice, setNotice] = useState<string | null>(null);
  const [sessionGoals, setSessionGoals] = useState<Record<string, GoalFieldsFragment[]>>({});
  const noticeTimer = useRef<ReturnType<typeof setTimeout>>();

  // A token kept from before a reload is checked again before anything shows.
  useEffect(() => {
    if (session.state !== "checking") return;
    let cancelled = false;
    identify(session.token).then(
      (viewer) => {
        if (cancelled) return;
        saveToken(session.token);
        setSession({ state: "signed-in", token: session.token, viewer });
      },
      (error: unknown) => {
        if (cancelled) return;
        clearToken();
        const message =
          error instanceof ApiError && error.unauthenticated
            ? "goalgate does not know this token (mistyped, or revoked)."
            : describeError(error);
        setSession({ state: "signed-out", message });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [session]);

  const signOut = useCallback((message: string | null = null) => {
    clearToken();
    setSessionGoals({});
    setSession({ state: "signed-out", message });
    history.replaceState(null, "", location.pathname + location.search);
  }, []);

  const notify = useCallback((message: string) => {
    setNotice(message);
    clearTimeout(noticeTimer.current);
    noticeTimer.current = setTimeout(() => setNotice(null), 6000);
  }, []);

  const viewer = session.state === "signed-in" ? session.viewer : null;
  const sites = viewer?.sites ?? null;
  const siteKey = route.site ?? sites?.[0]?.key ?? null;
  const site: SiteInfo | null = siteKey
    ? (sites?.find((s) => s.key === siteKey) ?? { key: siteKey, domain: null, timezone: null })
    : null;
  const caps = capabilities(viewer?.scopes ?? []);

  // Keep the address bar complete (site and period), without a history entry.
  useEffect(() => {
    if (session.state !== "signed-in") return;
    const full = formatRoute({ ...route, site: siteKey });
    if (location.hash !== full) navigate(full, true);
  }, [session.state, route, siteKey, navigate]);

  // Focus the page's heading when the view changes (keyboard and screen readers follow).
  const viewKey = `${route.view.name}:${"id" in route.view ? route.view.id : ""}`;
  const firstView = useRef(true);
  useEffect(() => {
    if (firstView.current) {
      firstView.current = false;
      return;
    }
    requestAnimationFrame(() => document.getElementById("page-title")?.focus());
  }, [viewKey]);

  const ctx = useMemo<DashboardContext | null>(() => {
    if (session.state !== "signed-in") return null;
    const go = (view: View, changes: Partial<Pick<Route, "site" | "period" | "interval">> = {}) =>
      navigate(formatRoute({ ...route, site: siteKey, ...changes, view }));
    return {
      token: session.token,
      caps,
      site,
      period: route.period,
      route,
      go,
      setPeriod: (period: Period) => navigate(formatRoute({ ...route, site: siteKey, period })),
      setInterval: (interval: StatsInterval) => navigate(formatRoute({ ...route, site: siteKey, interval }), true),
      setBreakdown: (by: Dimension) => navigate(formatRoute({ ...route, site: siteKey, by }), true),
      // A history entry per filter change: Back takes a filter off again.
      setFilters: (filters: Filter[]) => navigate(formatRoute({ ...route, site: siteKey, filters })),
      // A history entry per change of the funnel's steps, as for filters.
      setSteps: (steps: string[]) => navigate(formatRoute({ ...route, site: siteKey, steps })),
      // The filter follows to the views it applies to (overview, goal, funnel).
      href: (view: View) =>
        formatRoute({
          site: siteKey,
          period: route.period,
          interval: null,
          by: null,
          filters: filtersApply(view) && filtersApply(route.view) ? route.filters : [],
          steps: [],
          view,
        }),
      notify,
      expire: (message: string) => signOut(message),
      sessionGoals: siteKey ? (sessionGoals[siteKey] ?? []) : [],
      rememberGoal: (goal: GoalFieldsFragment) => {
        if (!siteKey) return;
        setSessionGoals((all) => ({ ...all, [siteKey]: [goal, ...(all[siteKey] ?? []).filter((g) => g.id !== goal.id)] }));
      },
      forgetGoal: (id: string) => {
        if (!siteKey) return;
        setSessionGoals((all) => ({ ...all, [siteKey]: (all[siteKey] ?? []).filter((g) => g.id !== id) }));
      },
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session, route, siteKey, site?.domain, sessionGoals, caps.read, caps.write, navigate, notify, signOut]);

  if (session.state !== "signed-in" || !ctx || !viewer) {
    return (
      <SignIn
        busy={session.state === "checking"}
        message={session.state === "signed-out" ? session.message : null}
        onSubmit={(token) => setSession({ state: "checking", token })}
      />
    );
  }

  const view = route.view;
  let page;
  if (!caps.read && (!site || view.name === "goals" || view.name === "goal" || view.name === "funnel")) {
    page = <WriteOnlyPage />;
  } else if (!site) {
    page = (
      <section>
        <h1 id="page-title" tabIndex={-1}>
          No site
        </h1>
        <p class="callout">
          This token may not see any site yet.
        </p>
      </section>
    );
  } else if (view.name === "new") {
    page = caps.write ? <GoalEditor key="new" id={null} /> : <ReadOnlyNote />;
  } else if (view.name === "edit") {
    page = caps.write ? <GoalEditor key={`edit-${view.id}`} id={view.id} /> : <ReadOnlyNote />;
  } else if (view.name === "goal") {
    page = <GoalPage key={view.id} id={view.id} />;
  } else if (view.name === "funnel") {
    page = <FunnelPage />;
  } else {
    page = <OverviewPage />;
  }

  return (
    <Dashboard.Provider value={ctx}>
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <a href={ctx.href({ name: "goals" })} class="brand-link">
            goalgate
          </a>
          <span class="muted">dashboard</span>
        </div>
        <div class="who" aria-label="Signed in as">
          <span class="viewer-name">{viewer.name ?? "write-only token"}</span>
          <ul class="scopes" aria-label="Scopes">
            {viewer.scopes.map((scope) => (
              <li key={scope} class="scope">
                {scope}
              </li>
            ))}
          </ul>
          {viewer.sites && (
            <span class="muted sites-count" title={viewer.sites.map((s) => s.key).join(", ")}>
              {viewer.sites.length === 1 ? "1 site" : `${viewer.sites.length} sites`}: {viewer.sites.map((s) => s.key).join(", ")}
            </span>
          )}
          <button type="button" class="signout" onClick={() => signOut(null)}>
            Sign out
          </button>
        </div>
      </header>
      {viewer.inferred && (
        <p class="banner" role="note">
          goalgate answers <code>viewer</code> only to tokens with analytics:read; this token lacks it, so its scopes are
          inferred (analytics:write) and its sites are not listed.
        </p>
      )}
      {!caps.write && caps.read && (
        <p class="banner" role="note">
          Read-only token: goals can be viewed, not changed.
        </p>
      )}
      {caps.read && site && (
        <nav class="views" aria-label="Views">
          <a href={ctx.href({ name: "goals" })} aria-current={view.name === "goals" ? "page" : undefined}>
            Overview
          </a>
          <a href={ctx.href({ name: "funnel" })} aria-current={view.name === "funnel" ? "page" : undefined}>
            Funnel
          </a>
        </nav>
      )}
      <Toolbar
        sites={sites}
        site={siteKey ?? ""}
        period={route.period}
        showPeriod={caps.read}
        onSite={(key) => navigate(formatRoute({ ...route, site: key || null, view: { name: "goals" }, filters: [], steps: [] }))}
        onPeriod={(period) => ctx.setPeriod(period)}
      />
      <div class="notice" role="status" aria-live="polite">
        {notice && (
          <p>
            {notice}{" "}
            <button type="button" class="link" onClick={() => setNotice(null)} aria-label="Dismiss the notice">
              ×
            </button>
          </p>
        )}
      </div>
      <div class={`layout${caps.read && site ? " with-live" : ""}`}>
        <main id="main" tabIndex={-1}>
          {page}
        </main>
        {caps.read && site && (
          <aside aria-label="Live">
            <LiveTicker token={session.token} site={site.key} timezone={site.timezone} />
          </aside>
        )}
      </div>
      <footer class="footer muted">
        Everything here comes from goalgate's public GraphQL API (<a href="../graphql">/graphql</a>); the token stays in
        this tab.
      </footer>
    </Dashboard.Provider>
  );
}

function ReadOnlyNote() {
  return (
    <section>
      <h1 id="page-title" tabIndex={-1}>
        Read-only token
      </h1>
      <p class="callout">This token lacks analytics:write: it cannot create or change goals.</p>
    </section>
  );
}
