import { useEffect, useState } from "preact/hooks";
import type { SiteInfo } from "../context";
import { PERIOD_CHOICES, type Period, type PeriodKind, customRangeProblem, defaultCustomRange } from "../lib/period";

interface Props {
  sites: readonly SiteInfo[] | null;
  site: string;
  period: Period;
  showPeriod: boolean;
  onSite: (key: string) => void;
  onPeriod: (period: Period) => void;
}

/** The site and the period every view shows. */
export function Toolbar({ sites, site, period, showPeriod, onSite, onPeriod }: Props) {
  const [kind, setKind] = useState<PeriodKind>(period.kind);
  const [range, setRange] = useState(() =>
    period.kind === "CUSTOM" && period.from && period.to ? { from: period.from, to: period.to } : defaultCustomRange(),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [siteDraft, setSiteDraft] = useState(site);

  useEffect(() => {
    setKind(period.kind);
    if (period.kind === "CUSTOM" && period.from && period.to) setRange({ from: period.from, to: period.to });
  }, [period.kind, period.from, period.to]);
  useEffect(() => setSiteDraft(site), [site]);

  const choose = (value: PeriodKind) => {
    setKind(value);
    setProblem(null);
    if (value !== "CUSTOM") onPeriod({ kind: value });
  };
  const apply = (event: Event) => {
    event.preventDefault();
    const found = customRangeProblem(range.from, range.to);
    setProblem(found);
    if (!found) onPeriod({ kind: "CUSTOM", from: range.from, to: range.to });
  };

  return (
    <form class="toolbar" onSubmit={apply} novalidate>
      {sites ? (
        <div class="control">
          <label for="site-select">Site</label>
          <select id="site-select" value={site} onChange={(e) => onSite(e.currentTarget.value)}>
            {sites.map((s) => (
              <option key={s.key} value={s.key}>
                {s.domain ? `${s.domain} (${s.key})` : s.key}
              </option>
            ))}
          </select>
        </div>
      ) : (
        <div class="control">
          <label for="site-key">Site key</label>
          <span class="inline">
            <input
              id="site-key"
              value={siteDraft}
              placeholder="sk_…"
              autocomplete="off"
              spellcheck={false}
              onInput={(e) => setSiteDraft(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  onSite(siteDraft.trim());
                }
              }}
            />
            <button type="button" onClick={() => onSite(siteDraft.trim())}>
              Use
            </button>
          </span>
        </div>
      )}
      {showPeriod && (
        <>
          <div class="control">
            <label for="period-select">Period</label>
            <select id="period-select" value={kind} onChange={(e) => choose(e.currentTarget.value as PeriodKind)}>
              {PERIOD_CHOICES.map((choice) => (
                <option key={choice.kind} value={choice.kind}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          {kind === "CUSTOM" && (
            <fieldset class="custom-range">
              <legend class="visually-hidden">Custom range</legend>
              <div class="control">
                <label for="range-from">From</label>
                <input
                  id="range-from"
                  type="date"
                  value={range.from}
                  max={range.to}
                  required
                  aria-invalid={problem ? "true" : undefined}
                  aria-describedby={problem ? "range-error" : undefined}
                  onInput={(e) => setRange((r) => ({ ...r, from: e.currentTarget.value }))}
                />
              </div>
              <div class="control">
                <label for="range-to">To</label>
                <input
                  id="range-to"
                  type="date"
                  value={range.to}
                  min={range.from}
                  required
                  aria-invalid={problem ? "true" : undefined}
                  aria-describedby={problem ? "range-error" : undefined}
                  onInput={(e) => setRange((r) => ({ ...r, to: e.currentTarget.value }))}
                />
              </div>
              <button type="submit">Apply</button>
              {problem && (
                <p class="field-error" id="range-error" role="alert">
                  {problem}
                </p>
              )}
            </fieldset>
          )}
        </>
      )}
    </form>
  );
}
