import { useDashboard } from "../context";
import { type Filter, describeFilter, removeFilter } from "../lib/filters";

/** The filter on the page, one removable chip per clause ("Source is Google ×"). */
export function FilterChips({ filters, lead }: { filters: readonly Filter[]; lead: string }) {
  const ctx = useDashboard();
  if (filters.length === 0) return null;
  const remove = (next: Filter[]) => {
    ctx.setFilters(next);
    // The chip and its button are gone: the page's heading takes the focus.
    requestAnimationFrame(() => document.getElementById("page-title")?.focus());
  };
  return (
    <div class="filters" role="group" aria-labelledby="filters-title">
      <span id="filters-title" class="muted">
        {lead}
      </span>
      <ul class="chips">
        {filters.map((filter, index) => {
          const text = describeFilter(filter);
          return (
            <li key={`${filter.dimension}:${filter.operator}`} class="chip" data-filter={`${filter.dimension}:${filter.operator}`}>
              <span class="chip-text">{text}</span>
              <button type="button" class="chip-remove" aria-label={`Remove the filter ${text}`} onClick={() => remove(removeFilter(filters, index))}>
                ×
              </button>
            </li>
          );
        })}
      </ul>
      {filters.length > 1 && (
        <button type="button" class="link" onClick={() => remove([])}>
          Clear all
        </button>
      )}
    </div>
  );
}
