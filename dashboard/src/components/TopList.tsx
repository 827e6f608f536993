// One of the overview's top lists: a dimension's values with the most
// visitors, each with a bar as long as its share of the largest, and each a
// button that filters the whole overview by it.
import type { TopRow } from "../api/overview";
import { useDashboard } from "../context";
import type { Dimension } from "../gql/operations";
import { type Filter, applyValue, describeFilter, dimensionLabel, displayValue } from "../lib/filters";
import { formatCount } from "../lib/format";
import { barPercent } from "../lib/overview";

interface Props {
  id: string;
  dimension: Dimension;
  title: string;
  rows: readonly TopRow[];
  filters: readonly Filter[];
}

export function TopList({ id, dimension, title, rows, filters }: Props) {
  const ctx = useDashboard();
  const label = dimensionLabel(dimension);
  const max = Math.max(0, ...rows.map((row) => row.visitors));
  const active = filters.find((f) => f.dimension === dimension && f.operator === "IS");
  const titleId = `top-${id}-title`;
  return (
    <section class="panel top-list" aria-labelledby={titleId} data-top={dimension}>
      <h2 id={titleId}>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted" data-top-empty>
          No visits in this period.
        </p>
      ) : (
        <table class="top-table">
          <caption class="visually-hidden">
            {title}: visitors and visits by {label.toLowerCase()}, most visitors first
            {filters.length ? `, where ${filters.map(describeFilter).join(" and ")}` : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col" class="col-value">
                {label}
              </th>
              <th scope="col" class="num">
                Visitors
              </th>
              <th scope="col" class="num">
                Visits
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const shown = displayValue(dimension, row.value);
              const current = active?.values.some((v) => v.toLowerCase() === row.value.toLowerCase()) ?? false;
              const percent = barPercent(row.visitors, max);
              return (
                <tr key={row.value} data-value={row.value}>
                  <th scope="row" class="col-value">
                    <span class="bar-cell">
                      <svg class="bar" aria-hidden="true" focusable="false" data-bar={percent}>
                        <rect class="bar-fill" width={`${percent}%`} height="100%" rx="3" />
                      </svg>
                      <button
                        type="button"
                        class="link value-filter top-value"
                        aria-describedby="top-hint"
                        aria-pressed={current ? "true" : "false"}
                        title={shown === row.value ? row.value : `${shown} (${row.value})`}
                        onClick={() => ctx.setFilters(applyValue(filters, dimension, row.value))}
                      >
                        {shown}
                      </button>
                    </span>
                  </th>
                  <td class="num" data-column="visitors">
                    {formatCount(row.visitors)}
                  </td>
                  <td class="num" data-column="visits">
                    {formatCount(row.visits)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
