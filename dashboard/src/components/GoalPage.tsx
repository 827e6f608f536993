import { useMemo, useRef, useState } from "preact/hooks";
import { describeError } from "../api/client";
import { type DetailGoal, STATS_FALLBACK, type TopMatch, loadGoalDetail } from "../api/goals";
import { useDashboard, useSignOutOnRevokedToken } from "../context";
import type { BucketFragment, StatsInterval } from "../gql/operations";
import { GOAL_TYPE_LABELS, describeMatch, formatCount, formatDay, formatMoney, formatRange, formatRate } from "../lib/format";
import { defaultInterval, periodLabel, periodVariables } from "../lib/period";
import { useQuery } from "../lib/useQuery";
import { DEFAULT_DIMENSION } from "../lib/filters";
import { BreakdownPanel } from "./BreakdownPanel";
import { Change } from "./Change";
import { Chart, type Point } from "./Chart";
import { FilterChips } from "./FilterChips";
import { INTERVAL_WORDS, IntervalSelect } from "./IntervalSelect";
import { useDeleteGoal } from "./useDeleteGoal";

type Goal = DetailGoal;
type Stats = NonNullable<Goal["stats"]>;
type Metric = "conversions" | "uniqueConversions" | "revenue";

const METRIC_WORDS: Record<Metric, string> = {
  conversions: "Conversions",
  uniqueConversions: "Unique conversions",
  revenue: "Revenue",
};

function series(buckets: readonly BucketFragment[], metric: Metric): Point[] {
  return buckets.map((b) => ({
    date: b.date,
    value: metric === "revenue" ? Number(b.revenue?.amount ?? 0) : b[metric],
  }));
}

export function GoalPage({ id }: { id: string }) {
  const ctx = useDashboard();
  const siteKey = ctx.site?.key ?? "";
  const interval = ctx.route.interval ?? defaultInterval(ctx.period);
  const variables = periodVariables(ctx.period);
  const by = ctx.route.by ?? DEFAULT_DIMENSION;
  const filters = ctx.route.filters;
  const filterKey = JSON.stringify(filters);
  // The page's request asks for the breakdown shown when it starts; picking
  // another dimension afterwards asks for that breakdown alone (BreakdownPanel).
  const byRef = useRef(by);
  byRef.current = by;
  const detail = useQuery(
    (signal) => loadGoalDetail(siteKey, id, { interval, ...variables, by: byRef.current, filters }, { token: ctx.token, signal }),
    [ctx.token, siteKey, id, interval, variables.period, variables.from, variables.to, filterKey],
    Boolean(siteKey),
  );
  const initialBreakdown = useMemo(
    () => (detail.data ? { by: detail.data.by, breakdown: detail.data.breakdown, error: detail.data.breakdownError } : null),
    [detail.data],
  );
  const [metric, setMetric] = useState<Metric>("conversions");
  useSignOutOnRevokedToken(detail.error);
  const remover = useDeleteGoal(() => ctx.go({ name: "goals" }));

  const goal: Goal | null | undefined = detail.data?.goal;
  if (detail.status === "error" && !goal) {
    return (
      <section>
        <p>
          <a href={ctx.href({ name: "goals" })}>← All goals</a>
        </p>
        <h1 id="page-title" tabIndex={-1}>
          Goal
        </h1>
        <div class="error-box" role="alert">
          <p>{describeError(detail.error)}</p>
          <button type="button" onClick={detail.reload}>
            Try again
          </button>
        </div>
      </section>
    );
  }
  if (detail.status === "ok" && !goal) {
    return (
      <section>
        <p>
          <a href={ctx.href({ name: "goals" })}>← All goals</a>
        </p>
        <h1 id="page-title" tabIndex={-1}>
          Goal not found
        </h1>
        <p class="error-box" role="alert">
          This goal does not exist (any more), or this token may not see it.
        </p>
      </section>
    );
  }
  if (!goal) {
    return (
      <section aria-busy="true">
        <p>
          <a href={ctx.href({ name: "goals" })}>← All goals</a>
        </p>
        <h1 id="page-title" tabIndex={-1}>
          Loading the goal…
        </h1>
      </section>
    );
  }

  const stats = goal.stats;
  const data = detail.data;
  const loading = detail.status === "loading";

  return (
    <section aria-labelledby="page-title" aria-busy={loading ? "true" : "false"} class={loading ? "stale" : undefined}>
      <p>
        <a href={ctx.href({ name: "goals" })}>← All goals</a>
      </p>
      <div class="page-head">
        <div>
          <h1 id="page-title" tabIndex={-1}>
            {goal.name}
          </h1>
          <p class="muted">
            {GOAL_TYPE_LABELS[goal.type]} · {describeMatch(goal)}
            {goal.currency ? ` · revenue in ${goal.currency}` : ""}
          </p>
          <p class="muted period-echo">
            {periodLabel(ctx.period)}
            {stats && (
              <>
                : {formatRange(stats.from, stats.to)} ({stats.timezone})
              </>
            )}
            {stats?.previous && <> · compared with {formatRange(stats.previous.from, stats.previous.to)}</>}
          </p>
          <FilterChips filters={filters} lead="Only conversions where" />
        </div>
        {ctx.caps.write && (
          <div class="page-actions">
            <a class="button" href={ctx.href({ name: "edit", id: goal.id })} aria-label={`Edit ${goal.name}`}>
              Edit
            </a>
            <button type="button" class="danger-outline" aria-label={`Delete ${goal.name}`} onClick={() => remover.ask(goal)}>
              Delete
            </button>
          </div>
        )}
      </div>

      {data && data.otherErrors.length > 0 && (
        <p class="callout" role="note" data-note="partial">
          Some figures could not be loaded and are shown as “—”: {data.otherErrors.join("; ")}
        </p>
      )}
      {stats ? (
        <StatsView goal={goal} stats={stats} interval={interval} metric={metric} onMetric={setMetric} />
      ) : (
        <div class="error-box stats-unavailable" role="alert" data-stats="unavailable">
          <p>
            <strong class="unavailable-mark">Stats unavailable</strong> for this goal: <span class="unavailable-reason">{data?.statsError ?? STATS_FALLBACK}</span>
          </p>
          <button type="button" onClick={detail.reload}>
            Try again
          </button>
        </div>
      )}

      {initialBreakdown && (
        <BreakdownPanel goal={goal} initial={initialBreakdown} pageLoading={loading} by={by} filters={filters} />
      )}

      <div class="two-columns">
        {stats && <RevenuePanel goal={goal} stats={stats} />}
        <MatchesPanel goal={goal} matches={data?.matches ?? []} error={data?.matchesError ?? null} />
      </div>
      {remover.dialog}
    </section>
  );
}

function StatsView({
  goal,
  stats,
  interval,
  metric,
  onMetric,
}: {
  goal: Goal;
  stats: Stats;
  interval: StatsInterval;
  metric: Metric;
  onMetric: (metric: Metric) => void;
}) {
  const ctx = useDashboard();
  const previous = stats.previous;
  const shown: Metric = metric === "revenue" && !goal.currency ? "conversions" : metric;
  const format = shown === "revenue" ? (v: number) => formatMoney({ amount: String(v), currency: goal.currency ?? "USD" }) : formatCount;
  return (
    <>
      <dl class="cards">
        <div class="card">
          <dt>Conversions</dt>
          <dd class="figure" data-figure="conversions">{formatCount(stats.conversions)}</dd>
          <dd>
            <Change value={stats.change?.conversions} label="Conversions" />
            {previous && <span class="muted"> vs {formatCount(previous.conversions)}</span>}
          </dd>
        </div>
        <div class="card">
          <dt>Unique conversions</dt>
          <dd class="figure" data-figure="uniqueConversions">{formatCount(stats.uniqueConversions)}</dd>
          <dd>
            <Change value={stats.change?.uniqueConversions} label="Unique conversions" />
            {previous && <span class="muted"> vs {formatCount(previous.uniqueConversions)}</span>}
          </dd>
        </div>
        <div class="card">
          <dt>Conversion rate</dt>
          <dd class="figure" data-figure="conversionRate">{formatRate(stats.conversionRate)}</dd>
          <dd>
            <Change value={stats.change?.conversionRate} label="Conversion rate" />
            <span class="muted"> of {formatCount(stats.visitors)} visitors</span>
          </dd>
        </div>
        {goal.currency && (
          <div class="card">
            <dt>Revenue</dt>
            <dd class="figure" data-figure="revenue">{formatMoney(stats.revenue)}</dd>
            <dd>
              <Change value={stats.change?.revenue} label="Revenue" />
              {previous?.revenue && <span class="muted"> vs {formatMoney(previous.revenue)}</span>}
            </dd>
          </div>
        )}
      </dl>

      <div class="chart-controls">
        <IntervalSelect id="interval-select" value={interval} onChange={ctx.setInterval} />
        <div class="control">
          <label for="metric-select">Show</label>
          <select id="metric-select" value={shown} onChange={(e) => onMetric(e.currentTarget.value as Metric)}>
            <option value="conversions">Conversions</option>
            <option value="uniqueConversions">Unique conversions</option>
            {goal.currency && <option value="revenue">Revenue ({goal.currency})</option>}
          </select>
        </div>
      </div>
      <h2 class="chart-title">
        {METRIC_WORDS[shown]} per {INTERVAL_WORDS[interval]}
      </h2>
      <Chart
        title={`${METRIC_WORDS[shown]} per ${INTERVAL_WORDS[interval]}`}
        current={series(stats.timeseries, shown)}
        previous={previous ? series(previous.timeseries, shown) : null}
        format={format}
        currentLabel={`This period (${formatRange(stats.from, stats.to)})`}
        previousLabel={previous ? `Previous period (${formatRange(previous.from, previous.to)})` : ""}
      />
      <details class="numbers">
        <summary>Show the numbers</summary>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Bucket from</th>
                <th scope="col" class="num">
                  {METRIC_WORDS[shown]}
                </th>
                {previous && (
                  <>
                    <th scope="col">Previous from</th>
                    <th scope="col" class="num">
                      Previous
                    </th>
                  </>
                )}
              </tr>
            </thead>
            <tbody>
              {series(stats.timeseries, shown).map((point, i) => {
                const before = previous ? series(previous.timeseries, shown)[i] : undefined;
                return (
                  <tr key={point.date}>
                    <td>{formatDay(point.date)}</td>
                    <td class="num">{format(point.value)}</td>
                    {previous && (
                      <>
                        <td>{before ? formatDay(before.date) : ""}</td>
                        <td class="num">{before ? format(before.value) : ""}</td>
                      </>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

function RevenuePanel({ goal, stats }: { goal: Goal; stats: Stats }) {
  return (
    <section aria-labelledby="revenue-title" class="panel">
      <h2 id="revenue-title">Revenue by currency</h2>
      {stats.revenueByCurrency.length === 0 ? (
        <p class="muted">{goal.currency ? "No revenue in this period." : "This goal tracks no revenue (it has no currency)."}</p>
      ) : (
        <ul class="plain-list" data-list="revenue-by-currency">
          {stats.revenueByCurrency.map((money) => (
            <li key={money.currency}>
              <span>{money.currency}</span> <strong>{formatMoney(money)}</strong>
            </li>
          ))}
        </ul>
      )}
      {stats.revenueByCurrency.length > 0 && goal.currency && (
        <p class="muted">
          Total in {goal.currency}, converted at each day's rate: <strong>{formatMoney(stats.revenue)}</strong>
        </p>
      )}
      {stats.unconvertedConversions > 0 && (
        <p class="callout" role="note">
          <strong>{formatCount(stats.unconvertedConversions)}</strong>{" "}
          {stats.unconvertedConversions === 1 ? "conversion" : "conversions"} sent revenue in a currency that no imported rate could
          convert to {goal.currency ?? "the goal's currency"}: counted in conversions and in the list above, not in the total.
        </p>
      )}
    </section>
  );
}

function MatchesPanel({ goal, matches, error }: { goal: Goal; matches: readonly TopMatch[]; error: string | null }) {
  const valueWord = goal.type === "PAGEVIEW" ? "paths" : "names";
  return (
    <section aria-labelledby="matches-title" class="panel">
      <h2 id="matches-title">Top matching {valueWord}</h2>
      {error ? (
        <p class="field-error" role="alert" data-error="matches">
          The top matching {valueWord} could not be loaded: {error}
        </p>
      ) : matches.length === 0 ? (
        <p class="muted">Nothing matched in this period.</p>
      ) : (
        <table class="matches">
          <thead>
            <tr>
              <th scope="col">{goal.type === "PAGEVIEW" ? "Path" : "Name"}</th>
              <th scope="col" class="num">
                Conversions
              </th>
            </tr>
          </thead>
          <tbody>
            {matches.map((match) => (
              <tr key={match.value}>
                <td>
                  <code>{match.value}</code>
                </td>
                <td class="num">{formatCount(match.conversions)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="hint">The 10 values with the most conversions, from the goal's preview, under the page's filter.</p>
    </section>
  );
}
