// "Where conversions come from": a goal's breakdown by one dimension (its top
// 10 values, then 10 more at a time), each value a button that filters the
// goal's page by it.
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/client";
import { type Breakdown, type DetailGoal, loadBreakdown } from "../api/goals";
import { useDashboard, useSignOutOnRevokedToken } from "../context";
import type { Dimension } from "../gql/operations";
import { DIMENSIONS, type Filter, applyValue, describeFilter, dimensionLabel, displayValue } from "../lib/filters";
import { formatCount, formatMoney, formatRate } from "../lib/format";
import { periodVariables } from "../lib/period";

interface State {
  /** The dimension what is shown is about. */
  by: Dimension;
  breakdown: Breakdown | null;
  error: unknown;
  /** Loading another dimension. */
  switching: boolean;
  /** Loading the next page. */
  more: boolean;
  moreError: unknown;
}

interface Props {
  goal: DetailGoal;
  /** What the page's request answered: the breakdown by `by`, or why it failed. */
  initial: { by: Dimension; breakdown: Breakdown | null; error: string | null };
  /** The page's request is running again (period, filter, buckets): no request of our own meanwhile. */
  pageLoading: boolean;
  by: Dimension;
  filters: readonly Filter[];
}

export function BreakdownPanel({ goal, initial, pageLoading, by, filters }: Props) {
  const ctx = useDashboard();
  const siteKey = ctx.site?.key ?? "";
  const [state, setState] = useState<State>(() => fromInitial(initial));
  // Bumped whenever what is shown is replaced, so that a late page is not appended to it.
  const generation = useRef(0);

  useEffect(() => {
    generation.current += 1;
    setState(fromInitial(initial));
  }, [initial]);

  const load = (dimension: Dimension, after: string | null, signal?: AbortSignal) =>
    loadBreakdown(siteKey, goal.id, { ...periodVariables(ctx.period), by: dimension, filters, after }, { token: ctx.token, signal });

  // Another dimension picked: its first page alone, not the whole goal again.
  const [retry, setRetry] = useState(0);
  const retried = useRef(0);
  useEffect(() => {
    if (pageLoading || (state.by === by && retry === retried.current)) return undefined;
    retried.current = retry;
    const controller = new AbortController();
    const mine = ++generation.current;
    setState((s) => ({ ...s, switching: true }));
    load(by, null, controller.signal).then(
      (breakdown) => {
        if (generation.current === mine) setState({ by, breakdown, error: null, switching: false, more: false, moreError: null });
      },
      (error: unknown) => {
        if (controller.signal.aborted || generation.current !== mine) return;
        setState({ by, breakdown: null, error, switching: false, more: false, moreError: null });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [by, state.by, pageLoading, retry]);

  useSignOutOnRevokedToken(state.error ?? state.moreError);

  const more = () => {
    const next = state.breakdown?.next;
    if (!next || state.more) return;
    const mine = generation.current;
    setState((s) => ({ ...s, more: true, moreError: null }));
    load(state.by, next).then(
      (page) => {
        if (generation.current !== mine) return;
        setState((s) =>
          s.breakdown ? { ...s, more: false, breakdown: { by: s.by, rows: [...s.breakdown.rows, ...page.rows], next: page.next } } : s,
        );
      },
      (error: unknown) => {
        if (generation.current === mine) setState((s) => ({ ...s, more: false, moreError: error }));
      },
    );
  };

  const label = dimensionLabel(state.by);
  const rows = state.breakdown?.rows ?? [];
  const busy = state.switching || state.more;
  const active = filters.find((f) => f.dimension === state.by && f.operator === "IS");

  return (
    <section aria-labelledby="breakdown-title" class="panel breakdown" aria-busy={busy ? "true" : "false"} data-breakdown={state.by}>
      <div class="breakdown-head">
        <h2 id="breakdown-title">Where conversions come from</h2>
        <div class="control">
          <label for="breakdown-select">Break down by</label>
          <select id="breakdown-select" value={by} onChange={(e) => ctx.setBreakdown(e.currentTarget.value as Dimension)}>
            {DIMENSIONS.map((d) => (
              <option key={d.dimension} value={d.dimension}>
                {d.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {state.error !== null ? (
        <div class="error-box" role="alert" data-error="breakdown">
          <p>The breakdown by {label.toLowerCase()} could not be loaded: {describeError(state.error)}</p>
          <button type="button" onClick={() => setRetry((n) => n + 1)}>
            Try again
          </button>
        </div>
      ) : rows.length === 0 ? (
        <p class={`muted${state.switching ? " stale" : ""}`} data-breakdown-empty>
          {state.breakdown ? "No conversions in this period." : "Loading…"}
        </p>
      ) : (
        <div class={`table-scroll${state.switching ? " stale" : ""}`}>
          <table class="breakdown-table">
            <caption class="visually-hidden">
              {goal.name}: conversions by {label.toLowerCase()}
              {filters.length ? `, where ${filters.map(describeFilter).join(" and ")}` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col" class="col-value">
                  {label}
                </th>
                <th scope="col" class="num col-conversions">
                  <Heading long="Conversions" short="Conv." />
                </th>
                <th scope="col" class="num col-unique">
                  <Heading long="Unique conversions" short="Unique" />
                </th>
                <th scope="col" class="num col-rate">
                  <Heading long="Conversion rate" short="Rate" />
                </th>
                {goal.currency && (
                  <th scope="col" class="num col-revenue">
                    Revenue
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const current = active?.values.some((v) => v.toLowerCase() === row.value.toLowerCase()) ?? false;
                return (
                  <tr key={row.value} data-value={row.value}>
                    <th scope="row" class="col-value">
                      <button
                        type="button"
                        class="link value-filter"
                        aria-describedby="breakdown-hint"
                        aria-pressed={current ? "true" : "false"}
                        title={state.by === "COUNTRY" ? row.value : displayValue(state.by, row.value)}
                        onClick={() => ctx.setFilters(applyValue(filters, state.by, row.value))}
                      >
                        {displayValue(state.by, row.value)}
                      </button>
                    </th>
                    <td class="num" data-column="conversions">
                      {formatCount(row.conversions)}
                    </td>
                    <td class="num" data-column="uniqueConversions">
                      {formatCount(row.uniqueConversions)}
                    </td>
                    <td class="num" data-column="conversionRate">
                      {formatRate(row.conversionRate)}
                    </td>
                    {goal.currency && (
                      <td class="num" data-column="revenue">
                        {formatMoney(row.revenue)}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {state.moreError !== null && (
        <p class="field-error" role="alert" data-error="breakdown-more">
          The next values could not be loaded: {describeError(state.moreError)}
        </p>
      )}
      <div class="breakdown-foot">
        <p class="hint" id="breakdown-hint">
          Select a value to show only its conversions: the numbers, the chart and this table follow.
        </p>
        {state.breakdown?.next && state.error === null && (
          <button type="button" class="small" onClick={more} disabled={busy}>
            {state.more ? "Loading…" : "More"}
            <span class="visually-hidden"> values of {label.toLowerCase()}</span>
          </button>
        )}
      </div>
      <p class="visually-hidden" role="status" aria-live="polite">
        {state.breakdown && !busy ? `${rows.length} ${rows.length === 1 ? "value" : "values"} of ${label.toLowerCase()} shown.` : ""}
      </p>
    </section>
  );
}

function fromInitial(initial: Props["initial"]): State {
  return {
    by: initial.by,
    breakdown: initial.breakdown,
    error: initial.error === null ? null : new Error(initial.error),
    switching: false,
    more: false,
    moreError: null,
  };
}

/**
 * A column heading that a phone shows short ("Conv."): the full words stay its
 * accessible name (visually hidden there), the short ones are for the eye only.
 */
function Heading({ long, short }: { long: string; short: string }) {
  return (
    <>
      <span class="heading-long">{long}</span>
      <span class="heading-short" aria-hidden="true">
        {short}
      </span>
    </>
  );
}
