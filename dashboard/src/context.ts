import { createContext } from "preact";
import { useContext, useEffect } from "preact/hooks";
import { ApiError } from "./api/client";
import type { Dimension, StatsInterval } from "./gql/operations";
import type { Filter } from "./lib/filters";
import type { Capabilities } from "./lib/scopes";
import type { Period } from "./lib/period";
import type { Route, View } from "./lib/route";
import type { GoalFieldsFragment } from "./gql/operations";

export interface SiteInfo {
  key: string;
  domain: string | null;
  timezone: string | null;
}

export interface DashboardContext {
  token: string;
  caps: Capabilities;
  site: SiteInfo | null;
  period: Period;
  route: Route;
  go: (view: View, changes?: Partial<Pick<Route, "site" | "period" | "interval">>) => void;
  setPeriod: (period: Period) => void;
  setInterval: (interval: StatsInterval) => void;
  /** A goal's page: break it down by another dimension. */
  setBreakdown: (by: Dimension) => void;
  /** The overview, a goal's page or the funnel: filter their numbers, lists and charts. */
  setFilters: (filters: Filter[]) => void;
  /** The funnel: its steps, goal ids in order. */
  setSteps: (steps: string[]) => void;
  /** The address of a view of this site over the current period. */
  href: (view: View) => string;
  notify: (message: string) => void;
  /** The token stopped working (revoked): back to the sign-in form. */
  expire: (message: string) => void;
  /** Goals this tab created or changed: all a write-only token can list. */
  sessionGoals: GoalFieldsFragment[];
  rememberGoal: (goal: GoalFieldsFragment) => void;
  forgetGoal: (id: string) => void;
}

export const Dashboard = createContext<DashboardContext | null>(null);

export function useDashboard(): DashboardContext {
  const value = useContext(Dashboard);
  if (!value) throw new Error("useDashboard outside the dashboard");
  return value;
}

/** Back to the sign-in form when goalgate stops knowing the token (revoked mid-session). */
export function useSignOutOnRevokedToken(error: unknown): void {
  const ctx = useContext(Dashboard);
  useEffect(() => {
    if (ctx && error instanceof ApiError && error.unauthenticated) {
      ctx.expire("goalgate no longer accepts this token (revoked?). Sign in again.");
    }
  }, [ctx, error]);
}
