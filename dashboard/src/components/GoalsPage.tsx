import { useMemo, useState } from "preact/hooks";
import { type OverviewGoal, STATS_FALLBACK, loadGoalsOverview } from "../api/goals";
import { describeError } from "../api/client";
import { useDashboard, useSignOutOnRevokedToken } from "../context";
import { filterVariable } from "../lib/filters";
import { describeMatch, formatCount, formatMoney, formatRate } from "../lib/format";
import { defaultInterval, periodLabel, periodVariables } from "../lib/period";
import { type SortKey, type SortState, nextSort, sortRows } from "../lib/sort";
import { useQuery } from "../lib/useQuery";
import { Change } from "./Change";
import { Sparkline } from "./Sparkline";
import { useDeleteGoal } from "./useDeleteGoal";

const COLUMNS: readonly { key: SortKey; label: string; title?: string }[] = [
  { key: "name", label: "Goal" },
  { key: "conversions", label: "Conversions" },
  { key: "uniqueConversions", label: "Unique" },
  { key: "conversionRate", label: "Conv. rate", title: "Unique conversions per visitor of the site" },
  { key: "revenue", label: "Revenue" },
  { key: "change", label: "Change", title: "Conversions against the previous period" },
];

/** A goal without stats says so across the columns of its numbers (its trend cell stays, empty). */
const STATS_SPAN = COLUMNS.filter((column) => column.key !== "name").length;

/** The goals table, under the site overview: the goals' numbers over the period, under the overview's filter. */
export function GoalsPage() {
  const ctx = useDashboard();
  const siteKey = ctx.site?.key ?? "";
  const filter = filterVariable(ctx.route.filters);
  const variables = { ...periodVariables(ctx.period), interval: defaultInterval(ctx.period), filter };
  const query = useQuery(
    (signal) => loadGoalsOverview(siteKey, variables, { token: ctx.token, signal }),
    [ctx.token, siteKey, variables.period, variables.from, variables.to, JSON.stringify(filter)],
    Boolean(siteKey),
  );
  const [sort, setSort] = useState<SortState>({ key: "name", direction: "ascending" });
  useSignOutOnRevokedToken(query.error);
  const remover = useDeleteGoal(() => query.reload());

  const rows = useMemo(() => {
    const nodes = query.data?.nodes ?? [];
    return sortRows(
      nodes.map((goal: OverviewGoal) => ({
        goal,
        name: goal.name,
        // A goal without stats (refused, or failed) keeps its row; its numbers sort last.
        conversions: goal.stats?.conversions ?? null,
        uniqueConversions: goal.stats?.uniqueConversions ?? null,
        conversionRate: goal.stats?.conversionRate ?? null,
        revenue: goal.stats?.revenue ? Number(goal.stats.revenue.amount) : null,
        change: goal.stats?.change?.conversions ?? null,
      })),
      sort,
    );
  }, [query.data, sort]);

  if (query.status === "error" && query.error) {
    const message = describeError(query.error);
    return (
      <section aria-labelledby="goals-title" class="goals-section">
        <h2 id="goals-title">Goals</h2>
        <div class="error-box" role="alert">
          <p>{message}</p>
          <button type="button" onClick={query.reload}>
            Try again
          </button>
        </div>
      </section>
    );
  }
  if (query.status === "ok" && query.data === null) {
    return (
      <section aria-labelledby="goals-title" class="goals-section">
        <h2 id="goals-title">Goals</h2>
        <p class="error-box" role="alert">
          This token may not see the site {siteKey}, or it does not exist.
        </p>
      </section>
    );
  }

  const data = query.data;
  const loading = query.status === "loading";
  const unavailable = data ? data.nodes.filter((goal) => goal.stats === null).length : 0;
  const columns = ctx.caps.write ? 8 : 7;

  return (
    <section aria-labelledby="goals-title" aria-busy={loading ? "true" : "false"} class="goals-section">
      <div class="page-head">
        <h2 id="goals-title">Goals</h2>
        <div class="page-actions">
          <button type="button" onClick={query.reload} disabled={loading}>
            {loading ? "Loading…" : "Refresh"}
          </button>
          {ctx.caps.write && (
            <a class="button primary" href={ctx.href({ name: "new" })}>
              New goal
            </a>
          )}
        </div>
      </div>

      {data?.goalsError && (
        <div class="error-box" role="alert" data-error="goals">
          <p>
            {data.nodes.length === 0
              ? "The goals of this site could not be listed: "
              : `Only the first ${formatCount(data.nodes.length)} goals of this site could be listed: `}
            {data.goalsError}
          </p>
          <button type="button" onClick={query.reload}>
            Try again
          </button>
        </div>
      )}
      {unavailable > 0 && data && (
        <p class="callout" role="note" data-note="stats-unavailable">
          Stats unavailable for{" "}
          {unavailable === data.nodes.length
            ? unavailable === 1
              ? "the goal"
              : `all ${formatCount(unavailable)} goals`
            : `${formatCount(unavailable)} of ${formatCount(data.nodes.length)} goals`}
          ; each such row says why.
        </p>
      )}
      {data && data.otherErrors.length > 0 && (
        <p class="callout" role="note" data-note="partial">
          Some figures could not be loaded and are shown as “—”: {data.otherErrors.join("; ")}
        </p>
      )}
      {data && data.nodes.length === 0 ? (
        data.goalsError ? null : (
          <div class="empty">
            <p>This site has no goals yet.</p>
            {ctx.caps.write && <p>Create one with “New goal”: its preview shows what it would have counted.</p>}
          </div>
        )
      ) : (
        <div class={`table-scroll${loading ? " stale" : ""}`}>
          <table class="goals">
            <caption class="visually-hidden">
              Goals of {siteKey}, {periodLabel(ctx.period)}; select a column heading to sort
            </caption>
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th
                    key={column.key}
                    scope="col"
                    class={column.key === "name" ? "col-name" : "num"}
                    aria-sort={sort.key === column.key ? sort.direction : undefined}
                  >
                    <button type="button" class="sort" title={column.title} onClick={() => setSort(nextSort(sort, column.key))}>
                      {column.label}
                      <span class="sort-mark" aria-hidden="true">
                        {sort.key === column.key ? (sort.direction === "ascending" ? " ▲" : " ▼") : ""}
                      </span>
                    </button>
                  </th>
                ))}
                <th scope="col" class="col-trend">
                  Trend
                </th>
                {ctx.caps.write && (
                  <th scope="col" class="col-actions">
                    <span class="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ goal }) => (
                <tr key={goal.id} data-goal-id={goal.id} data-stats={goal.stats ? undefined : "unavailable"}>
                  <th scope="row" class="col-name">
                    <a href={ctx.href({ name: "goal", id: goal.id })}>{goal.name}</a>
                    <span class="definition">{describeMatch(goal)}</span>
                  </th>
                  {goal.stats ? (
                    <>
                      <td class="num" data-column="conversions">
                        {formatCount(goal.stats.conversions)}
                      </td>
                      <td class="num" data-column="uniqueConversions">
                        {formatCount(goal.stats.uniqueConversions)}
                      </td>
                      <td class="num" data-column="conversionRate">
                        {formatRate(goal.stats.conversionRate)}
                      </td>
                      <td class="num" data-column="revenue">
                        {goal.stats.revenue ? formatMoney(goal.stats.revenue) : <span class="muted" title="No currency: revenue is not tracked">—</span>}
                      </td>
                      <td class="num" data-column="change">
                        <Change value={goal.stats.change?.conversions} label="Conversions" />
                      </td>
                      <td class="col-trend">
                        <Sparkline values={goal.stats.timeseries.map((bucket) => bucket.conversions)} />
                      </td>
                    </>
                  ) : (
                    <>
                      <td class="stats-unavailable" colSpan={STATS_SPAN}>
                        <strong class="unavailable-mark">Stats unavailable</strong>
                        <span class="unavailable-reason">{data?.statsErrors.get(goal.id) ?? STATS_FALLBACK}</span>
                      </td>
                      <td class="col-trend" />
                    </>
                  )}
                  {ctx.caps.write && (
                    <td class="col-actions">
                      <a class="button small" href={ctx.href({ name: "edit", id: goal.id })} aria-label={`Edit ${goal.name}`}>
                        Edit
                      </a>
                      <button type="button" class="small danger-outline" aria-label={`Delete ${goal.name}`} onClick={() => remover.ask(goal)}>
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              ))}
              {!query.data &&
                [0, 1, 2].map((i) => (
                  <tr key={`skeleton-${i}`} class="skeleton" aria-hidden="true">
                    <td colSpan={columns}>&nbsp;</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      {remover.dialog}
    </section>
  );
}
