// A funnel: a person picks 2 to 8 of the site's goals in order, and sees how
// many visitors reached each step (within one visit, after the step before),
// their share of the first step's, and how many the step lost.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client";
import { type Funnel, type FunnelGoal, loadFunnel, loadFunnelGoals } from "../api/overview";
import { useDashboard, useSignOutOnRevokedToken } from "../context";
import { describeFilter } from "../lib/filters";
import { formatCount, formatRange, formatRate } from "../lib/format";
import { MAX_STEPS, MIN_STEPS, addStep, moveStep, removeStep, stepsProblem } from "../lib/funnel";
import { barPercent } from "../lib/overview";
import { periodLabel, periodVariables } from "../lib/period";
import { useQuery } from "../lib/useQuery";
import { FilterChips } from "./FilterChips";

export function FunnelPage() {
  const ctx = useDashboard();
  const siteKey = ctx.site?.key ?? "";
  const steps = ctx.route.steps;
  const filters = ctx.route.filters;
  const period = periodVariables(ctx.period);
  const goals = useQuery((signal) => loadFunnelGoals(siteKey, { token: ctx.token, signal }), [ctx.token, siteKey], Boolean(siteKey));
  const asked = stepsProblem(steps) === null;
  const funnel = useQuery(
    (signal) => loadFunnel(siteKey, steps, { ...period, filters }, { token: ctx.token, signal }),
    [ctx.token, siteKey, steps.join(","), period.period, period.from, period.to, JSON.stringify(filters)],
    Boolean(siteKey) && asked,
  );
  useSignOutOnRevokedToken(goals.error ?? funnel.error);

  return (
    <section aria-labelledby="page-title" class="funnel-page">
      <div class="page-head">
        <div>
          <h1 id="page-title" tabIndex={-1}>
            Funnel
          </h1>
          <p class="muted period-echo">
            {periodLabel(ctx.period)}
            {asked && funnel.data && (
              <>
                : {formatRange(funnel.data.from, funnel.data.to)} ({funnel.data.timezone})
              </>
            )}
          </p>
          <FilterChips filters={filters} lead="Only visitors where" />
        </div>
      </div>
      <StepsForm goals={goals.data} goalsError={goals.status === "error" ? goals.error : null} onRetry={goals.reload} />
      {asked && <FunnelResult funnel={funnel.data} state={funnel} />}
    </section>
  );
}

/** The steps being built: a goal picker, the ordered list with its controls, and the button that asks for the funnel. */
function StepsForm({ goals, goalsError, onRetry }: { goals: FunnelGoal[] | null; goalsError: unknown; onRetry: () => void }) {
  const ctx = useDashboard();
  const [draft, setDraft] = useState<string[]>(ctx.route.steps);
  const [pick, setPick] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const routeSteps = ctx.route.steps.join(",");
  useEffect(() => {
    setDraft(ctx.route.steps);
    setProblem(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [routeSteps]);

  const names = new Map((goals ?? []).map((goal) => [goal.id, goal.name]));
  const nameOf = (id: string) => names.get(id) ?? `Unknown goal ${id}`;
  const available = (goals ?? []).filter((goal) => !draft.includes(goal.id));
  const chosen = available.some((goal) => goal.id === pick) ? pick : (available[0]?.id ?? "");
  const full = draft.length >= MAX_STEPS;

  const change = (next: string[]) => {
    setDraft(next);
    setProblem(null);
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const found = stepsProblem(draft);
    setProblem(found);
    if (!found) ctx.setSteps(draft);
  };

  return (
    <form class="panel funnel-form" onSubmit={submit} novalidate aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      <p class="hint" id="steps-hint">
        Pick {MIN_STEPS} to {MAX_STEPS} goals in the order a visitor reaches them: each step counts the visitors who reached it
        in the same visit, after the step before.
      </p>
      {goalsError !== null ? (
        <div class="error-box" role="alert" data-error="funnel-goals">
          <p>The goals of this site could not be listed: {describeError(goalsError)}</p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      ) : goals === null ? (
        <p class="muted">Loading the goals…</p>
      ) : goals.length < MIN_STEPS ? (
        <p class="callout" role="note">
          This site has {goals.length === 0 ? "no goals" : "one goal"}; a funnel needs at least {MIN_STEPS}.
        </p>
      ) : (
        <div class="control inline-control">
          <label for="funnel-goal">Goal to add</label>
          <span class="inline">
            <select id="funnel-goal" value={chosen} disabled={full || available.length === 0} onChange={(e) => setPick(e.currentTarget.value)}>
              {available.map((goal) => (
                <option key={goal.id} value={goal.id}>
                  {goal.name}
                </option>
              ))}
            </select>
            <button type="button" disabled={full || !chosen} onClick={() => change(addStep(draft, chosen))}>
              Add step
            </button>
          </span>
          {full && (
            <p class="muted" data-note="full">
              A funnel has at most {MAX_STEPS} steps.
            </p>
          )}
        </div>
      )}
      {draft.length === 0 ? (
        <p class="muted" data-steps-empty>
          No steps yet.
        </p>
      ) : (
        <ol class="funnel-steps" aria-label="Steps of the funnel">
          {draft.map((id, index) => {
            const name = nameOf(id);
            return (
              <li key={id} data-step={id}>
                <span class="step-name" title={name}>
                  {name}
                </span>
                <span class="step-actions">
                  <button type="button" class="small" aria-label={`Move ${name} up`} disabled={index === 0} onClick={() => change(moveStep(draft, index, -1))}>
                    ↑
                  </button>
                  <button
                    type="button"
                    class="small"
                    aria-label={`Move ${name} down`}
                    disabled={index === draft.length - 1}
                    onClick={() => change(moveStep(draft, index, 1))}
                  >
                    ↓
                  </button>
                  <button type="button" class="small danger-outline" aria-label={`Remove ${name}`} onClick={() => change(removeStep(draft, index))}>
                    Remove
                  </button>
                </span>
              </li>
            );
          })}
        </ol>
      )}
      <div class="actions">
        <button type="submit" class="primary" aria-describedby={problem ? "steps-error" : "steps-hint"}>
          Show the funnel
        </button>
      </div>
      {problem && (
        <p class="field-error" id="steps-error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

function FunnelResult({ funnel, state }: { funnel: Funnel | null; state: { status: string; error: unknown; reload: () => void } }) {
  const ctx = useDashboard();
  const filters = ctx.route.filters;
  if (state.status === "error") {
    return (
      <div class="error-box" role="alert" data-error="funnel">
        <p>The funnel could not be loaded: {describeError(state.error)}</p>
        <button type="button" onClick={state.reload}>
          Try again
        </button>
      </div>
    );
  }
  if (!funnel) {
    return (
      <p class="muted" data-loading="funnel">
        Loading the funnel…
      </p>
    );
  }
  const first = funnel.steps[0]?.visitors ?? 0;
  const last = funnel.steps[funnel.steps.length - 1];
  return (
    <section aria-labelledby="funnel-title" class={`panel funnel${state.status === "loading" ? " stale" : ""}`} aria-busy={state.status === "loading" ? "true" : "false"}>
      <h2 id="funnel-title">Visitors through the funnel</h2>
      {last && (
        <p class="funnel-summary" data-summary>
          <strong>{formatRate(last.conversionRate)}</strong> of the {formatCount(first)} visitors who reached the first step reached the last.
        </p>
      )}
      <table class="top-table funnel-table">
        <caption class="visually-hidden">
          Visitors at each step of the funnel, their share of the first step's visitors and the visitors lost since the step before
          {filters.length ? `, where ${filters.map(describeFilter).join(" and ")}` : ""}
        </caption>
        <thead>
          <tr>
            <th scope="col" class="col-value">
              Step
            </th>
            <th scope="col" class="num">
              Visitors
            </th>
            <th scope="col" class="num" title="Visitors of this step per visitor of the first step">
              <span aria-hidden="true">Conv. rate</span>
              <span class="visually-hidden">Conversion rate</span>
            </th>
            <th scope="col" class="num" title="Visitors of the step before who did not reach this one">
              Drop-off
            </th>
          </tr>
        </thead>
        <tbody>
          {funnel.steps.map((step, index) => {
            const percent = barPercent(step.visitors, first);
            return (
              <tr key={step.goal.id} data-step={step.goal.id}>
                <th scope="row" class="col-value">
                  <span class="bar-cell">
                    <svg class="bar" aria-hidden="true" focusable="false" data-bar={percent}>
                      <rect class="bar-fill" width={`${percent}%`} height="100%" rx="3" />
                    </svg>
                    <span class="top-value" title={step.goal.name}>
                      <span class="step-number">{index + 1}.</span> {step.goal.name}
                    </span>
                  </span>
                </th>
                <td class="num" data-column="visitors">
                  {formatCount(step.visitors)}
                </td>
                <td class="num" data-column="conversionRate">
                  {formatRate(step.conversionRate)}
                </td>
                <td class="num" data-column="dropOff">
                  {index === 0 ? <span class="muted" title="The first step loses no one">—</span> : formatCount(step.dropOff)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
