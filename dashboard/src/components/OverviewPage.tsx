// The first screen: a site's numbers over the period against the period
// before, a chart of its visitors or visits with the previous period dashed
// over it, its five top lists (each value a filter), and its goals under them.
import { useState } from "preact/hooks";
import { describeError } from "../api/client";
import { type SiteFigures, type SiteOverview, loadSiteOverview } from "../api/overview";
import { useDashboard, useSignOutOnRevokedToken } from "../context";
import { formatCount, formatRange, formatRate } from "../lib/format";
import { TOP_LISTS, formatDuration, relativeChange } from "../lib/overview";
import { defaultInterval, periodLabel, periodVariables } from "../lib/period";
import { useQuery } from "../lib/useQuery";
import { Change } from "./Change";
import { Chart } from "./Chart";
import { FilterChips } from "./FilterChips";
import { GoalsPage } from "./GoalsPage";
import { INTERVAL_WORDS, IntervalSelect } from "./IntervalSelect";
import { TopList } from "./TopList";

type Metric = "visitors" | "visits";
const METRIC_WORDS: Record<Metric, string> = { visitors: "Visitors", visits: "Visits" };

type FigureKey = "visitors" | "visits" | "pageviews" | "viewsPerVisit" | "bounceRate" | "visitDuration";

/** The headline numbers, in the order shown, each with how it is written. */
const FIGURES: readonly { key: FigureKey; label: string; format: (value: number) => string }[] = [
  { key: "visitors", label: "Visitors", format: formatCount },
  { key: "visits", label: "Visits", format: formatCount },
  { key: "pageviews", label: "Pageviews", format: formatCount },
  { key: "viewsPerVisit", label: "Views per visit", format: formatRatio },
  { key: "bounceRate", label: "Bounce rate", format: formatRate },
  { key: "visitDuration", label: "Visit duration", format: formatDuration },
];

function formatRatio(value: number): string {
  return new Intl.NumberFormat(typeof navigator === "undefined" ? undefined : navigator.language, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(value);
}

export function OverviewPage() {
  const ctx = useDashboard();
  const siteKey = ctx.site?.key ?? "";
  const interval = ctx.route.interval ?? defaultInterval(ctx.period);
  const period = periodVariables(ctx.period);
  const filters = ctx.route.filters;
  const query = useQuery(
    (signal) => loadSiteOverview(siteKey, { ...period, interval, filters }, { token: ctx.token, signal }),
    [ctx.token, siteKey, interval, period.period, period.from, period.to, JSON.stringify(filters)],
    Boolean(siteKey),
  );
  const [metric, setMetric] = useState<Metric>("visitors");
  useSignOutOnRevokedToken(query.error);

  const data: SiteOverview | null = query.data;
  const stats = data?.stats ?? null;
  const previous = stats?.previous ?? null;
  const loading = query.status === "loading";

  return (
    <>
      <section aria-labelledby="page-title" aria-busy={loading ? "true" : "false"} class="overview">
        <div class="page-head">
          <div>
            <h1 id="page-title" tabIndex={-1}>
              Overview{data ? <span class="muted"> · {data.domain}</span> : null}
            </h1>
            <p class="muted period-echo">
              {periodLabel(ctx.period)}
              {stats && (
                <>
                  : {formatRange(stats.from, stats.to)} ({stats.timezone})
                </>
              )}
              {previous && <> · compared with {formatRange(previous.from, previous.to)}</>}
            </p>
            <FilterChips filters={filters} lead="Only visits where" />
          </div>
          <div class="page-actions">
            <button type="button" onClick={query.reload} disabled={loading}>
              {loading ? "Loading…" : "Refresh"}
              <span class="visually-hidden"> the overview</span>
            </button>
          </div>
        </div>

        {query.status === "error" ? (
          <div class="error-box" role="alert" data-error="overview">
            <p>The site's numbers could not be loaded: {describeError(query.error)}</p>
            <button type="button" onClick={query.reload}>
              Try again
            </button>
          </div>
        ) : !data ? (
          <p class="muted" data-loading="overview">
            Loading the site's numbers…
          </p>
        ) : (
          <div class={loading ? "stale" : undefined}>
            <Figures stats={data.stats} />
            <div class="chart-controls">
              <IntervalSelect id="overview-interval" value={interval} onChange={ctx.setInterval} />
              <div class="control">
                <label for="overview-metric">Show</label>
                <select id="overview-metric" value={metric} onChange={(e) => setMetric(e.currentTarget.value as Metric)}>
                  <option value="visitors">Visitors</option>
                  <option value="visits">Visits</option>
                </select>
              </div>
            </div>
            <h2 class="chart-title">
              {METRIC_WORDS[metric]} per {INTERVAL_WORDS[interval]}
            </h2>
            <Chart
              title={`${METRIC_WORDS[metric]} per ${INTERVAL_WORDS[interval]}`}
              current={data.stats.timeseries.map((b) => ({ date: b.date, value: b[metric] }))}
              previous={previous ? previous.timeseries.map((b) => ({ date: b.date, value: b[metric] })) : null}
              format={formatCount}
              currentLabel={`This period (${formatRange(data.stats.from, data.stats.to)})`}
              previousLabel={previous ? `Previous period (${formatRange(previous.from, previous.to)})` : ""}
            />
            <div class="top-lists">
              {TOP_LISTS.map((list) => (
                <TopList key={list.key} id={list.key} dimension={list.dimension} title={list.title} rows={data[list.key].nodes} filters={filters} />
              ))}
            </div>
            <p class="hint" id="top-hint">
              Select a value to show only its visits: the numbers, the chart, the lists, the goals and the funnel follow.
            </p>
          </div>
        )}
      </section>
      <GoalsPage />
    </>
  );
}

function Figures({ stats }: { stats: SiteFigures }) {
  const previous = stats.previous;
  return (
    <dl class="cards site-cards">
      {FIGURES.map(({ key, label, format }) => (
        <div class="card" key={key}>
          <dt>{label}</dt>
          <dd class="figure" data-figure={key}>
            {format(stats[key])}
          </dd>
          <dd>
            <Change value={relativeChange(stats[key], previous?.[key])} label={label} lowerIsBetter={key === "bounceRate"} />
            {previous && <span class="muted" data-previous={key}> vs {format(previous[key])}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}
