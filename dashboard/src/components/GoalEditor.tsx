import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { describeError, request, requestPartial } from "../api/client";
import { useDashboard } from "../context";
import {
  CreateGoalDocument,
  GoalDefinitionDocument,
  type GoalFieldsFragment,
  type GoalType,
  type MatchType,
  PreviewGoalDocument,
  type PreviewGoalQuery,
  UpdateGoalDocument,
  type UpdateGoalInput,
} from "../gql/operations";
import { debounce, latestOnly } from "../lib/debounce";
import { formatCount, formatMoney, formatRange, formatRate } from "../lib/format";
import { periodLabel, periodVariables } from "../lib/period";
import { errorsByField } from "../lib/userErrors";
import { useDeleteGoal } from "./useDeleteGoal";

interface Form {
  name: string;
  type: GoalType;
  matchType: MatchType;
  matchValue: string;
  currency: string;
}

const EMPTY: Form = { name: "", type: "PAGEVIEW", matchType: "EXACT", matchValue: "", currency: "" };

const VALUE_HINTS: Record<GoalType, string> = {
  PAGEVIEW: "A page path, e.g. /thank-you",
  EVENT: "An event name sent with ka.track(), e.g. signup",
  CUSTOM: "A goal name sent with ka.goal(), e.g. purchase",
};

const PREVIEW_DELAY_MS = 300;

function formOf(goal: GoalFieldsFragment): Form {
  return {
    name: goal.name,
    type: goal.type,
    matchType: goal.matchType,
    matchValue: goal.matchValue,
    currency: goal.currency ?? "",
  };
}

/** Only what changed, as updateGoal wants it; an emptied currency stops revenue tracking. */
export function changesOf(original: Form, form: Form): UpdateGoalInput {
  const input: UpdateGoalInput = {};
  if (form.name !== original.name) input.name = form.name;
  if (form.type !== original.type) input.type = form.type;
  if (form.matchType !== original.matchType) input.matchType = form.matchType;
  if (form.matchValue !== original.matchValue) input.matchValue = form.matchValue;
  const currency = form.currency.trim().toUpperCase();
  if (currency !== original.currency) input.currency = currency || null;
  return input;
}

type Preview =
  | { status: "idle" }
  | { status: "loading"; last: PreviewGoalQuery["previewGoal"] | null }
  | { status: "ok"; value: string; result: NonNullable<PreviewGoalQuery["previewGoal"]> }
  | { status: "error"; message: string };

type Conflict = { kind: "changed" | "deleted"; message: string } | null;

export function GoalEditor({ id }: { id: string | null }) {
  const ctx = useDashboard();
  const siteKey = ctx.site?.key ?? "";
  const [original, setOriginal] = useState<GoalFieldsFragment | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [form, setForm] = useState<Form>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [previewErrors, setPreviewErrors] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Preview>({ status: "idle" });
  const [conflict, setConflict] = useState<Conflict>(null);
  const [saving, setSaving] = useState(false);
  const [loadGeneration, setLoadGeneration] = useState(0);
  const firstField = useRef<HTMLInputElement>(null);
  const remover = useDeleteGoal(() => ctx.go({ name: "goals" }));

  // Editing: the goal as stored now (or as this tab last saw it, for a write-only token).
  useEffect(() => {
    if (id === null) return undefined;
    const controller = new AbortController();
    setLoadError(null);
    if (!ctx.caps.read) {
      const known = ctx.sessionGoals.find((g) => g.id === id);
      if (known) {
        setOriginal(known);
        setForm(formOf(known));
      } else {
        setLoadError("This token cannot read goals (no analytics:read): only goals created or changed in this tab can be edited.");
      }
      return undefined;
    }
    request(GoalDefinitionDocument, { site: siteKey, id }, { token: ctx.token, signal: controller.signal }).then(
      (data) => {
        if (!data.goal) {
          setLoadError("This goal does not exist (any more), or this token may not see it.");
          return;
        }
        setOriginal(data.goal);
        setForm(formOf(data.goal));
        setErrors({});
        setConflict(null);
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setLoadError(describeError(error));
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, siteKey, ctx.token, loadGeneration]);

  // The live preview: debounced while typing; only the latest answer counts.
  const ticket = useMemo(() => latestOnly(), []);
  const variables = periodVariables(ctx.period);
  const runPreview = useMemo(
    () =>
      debounce((match: Form, period: typeof variables) => {
        const mine = ticket.next();
        request(
          PreviewGoalDocument,
          {
            site: siteKey,
            input: {
              type: match.type,
              matchType: match.matchType,
              matchValue: match.matchValue,
              currency: match.currency.trim() ? match.currency.trim().toUpperCase() : null,
            },
            ...period,
          },
          { token: ctx.token },
        ).then(
          (data) => {
            if (!ticket.isCurrent(mine)) return;
            const result = data.previewGoal;
            if (!result) {
              setPreview({ status: "error", message: `This token may not see the site ${siteKey}.` });
              return;
            }
            setPreviewErrors(errorsByField(result.userErrors));
            setPreview({ status: "ok", value: match.matchValue, result });
          },
          (error: unknown) => {
            if (ticket.isCurrent(mine)) setPreview({ status: "error", message: describeError(error) });
          },
        );
      }, PREVIEW_DELAY_MS),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [siteKey, ctx.token],
  );
  useEffect(() => () => runPreview.cancel(), [runPreview]);
  useEffect(() => {
    if (!ctx.caps.read || !siteKey) return;
    if (!form.matchValue) {
      runPreview.cancel();
      ticket.next();
      setPreviewErrors({});
      setPreview({ status: "idle" });
      return;
    }
    setPreview((p) => ({ status: "loading", last: p.status === "ok" ? p.result : p.status === "loading" ? p.last : null }));
    runPreview(form, variables);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [form.type, form.matchType, form.matchValue, form.currency, variables.period, variables.from, variables.to, runPreview]);

  useEffect(() => {
    if (id === null || original) firstField.current?.focus();
  }, [id, original]);

  const update = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => {
      if (!(key in e) && !("form" in e)) return e;
      const { [key]: _dropped, form: _form, ...rest } = e;
      return rest;
    });
  };

  const afterSave = (goal: GoalFieldsFragment, verb: string) => {
    ctx.rememberGoal(goal);
    ctx.notify(`${verb} “${goal.name}”.`);
    if (ctx.caps.read) ctx.go({ name: "goal", id: goal.id });
    else ctx.go({ name: "goals" });
  };

  const save = async (event: Event) => {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    setErrors({});
    try {
      // The mutations ask for the goal's definition only (GoalFields), never for
      // analytics fields that a token without analytics:read would be refused;
      // and a field error beneath the payload (a partial answer) does not undo a
      // saved goal, so requestPartial: what was saved is shown as saved.
      if (id === null) {
        const { data } = await requestPartial(
          CreateGoalDocument,
          {
            site: siteKey,
            input: {
              name: form.name,
              type: form.type,
              matchType: form.matchType,
              matchValue: form.matchValue,
              currency: form.currency.trim() ? form.currency.trim().toUpperCase() : null,
            },
          },
          { token: ctx.token },
        );
        const payload = data.createGoal;
        if (payload.goal) afterSave(payload.goal, "Created");
        else setErrors(errorsByField(payload.userErrors));
        return;
      }
      if (!original) return;
      // Someone else may have changed or deleted the goal since this form was filled.
      if (ctx.caps.read) {
        const now = await request(GoalDefinitionDocument, { site: siteKey, id }, { token: ctx.token });
        if (!now.goal) {
          setConflict({ kind: "deleted", message: "This goal was deleted elsewhere while you were editing it." });
          return;
        }
        if (now.goal.updatedAt !== original.updatedAt) {
          setConflict({
            kind: "changed",
            message: `This goal was changed elsewhere while you were editing it (it is now “${now.goal.name}”, ${describeDefinition(now.goal)}). Reload it to see the latest version, then make your change again.`,
          });
          return;
        }
      }
      const input = changesOf(formOf(original), form);
      if (Object.keys(input).length === 0) {
        ctx.notify("Nothing to save: the goal is unchanged.");
        ctx.go(ctx.caps.read ? { name: "goal", id } : { name: "goals" });
        return;
      }
      const { data } = await requestPartial(UpdateGoalDocument, { site: siteKey, id, input }, { token: ctx.token });
      const payload = data.updateGoal;
      if (payload.goal) {
        afterSave(payload.goal, "Saved");
      } else if (payload.userErrors.some((e) => e.code === "NOT_FOUND")) {
        setConflict({ kind: "deleted", message: "This goal was deleted elsewhere while you were editing it." });
      } else {
        setErrors(errorsByField(payload.userErrors));
      }
    } catch (error) {
      setErrors({ form: describeError(error) });
    } finally {
      setSaving(false);
    }
  };

  if (id !== null && loadError) {
    return (
      <section>
        <h1 id="page-title" tabIndex={-1}>
          Edit goal
        </h1>
        <p class="error-box" role="alert">
          {loadError}
        </p>
        <p>
          <a href={ctx.href({ name: "goals" })}>← All goals</a>
        </p>
      </section>
    );
  }
  if (id !== null && !original) {
    return (
      <section aria-busy="true">
        <h1 id="page-title" tabIndex={-1}>
          Edit goal
        </h1>
        <p class="muted">Loading…</p>
      </section>
    );
  }

  const fieldError = (name: keyof Form | "form") => errors[name] ?? previewErrors[name];
  const described = (name: keyof Form, hint?: boolean) =>
    [fieldError(name) ? `${name}-error` : null, hint ? `${name}-hint` : null].filter(Boolean).join(" ") || undefined;
  const back = id !== null && ctx.caps.read ? ctx.href({ name: "goal", id }) : ctx.href({ name: "goals" });

  return (
    <section aria-labelledby="page-title">
      <p>
        <a href={back}>← {id !== null && ctx.caps.read ? "Back to the goal" : "All goals"}</a>
      </p>
      <h1 id="page-title" tabIndex={-1}>
        {id === null ? "New goal" : `Edit “${original?.name ?? ""}”`}
      </h1>
      {conflict && (
        <div class="error-box conflict" role="alert">
          <p>
            <strong>Conflict.</strong> {conflict.message}
          </p>
          {conflict.kind === "changed" ? (
            <button type="button" onClick={() => setLoadGeneration((g) => g + 1)}>
              Reload the goal
            </button>
          ) : (
            <a class="button" href={ctx.href({ name: "goals" })}>
              Back to the goals
            </a>
          )}
        </div>
      )}
      <div class="editor">
        <form class="goal-form" onSubmit={(e) => void save(e)} novalidate>
          {errors.form && (
            <p class="error-box" role="alert" id="form-error">
              {errors.form}
            </p>
          )}
          <div class="field">
            <label for="goal-name">Name</label>
            <input
              id="goal-name"
              ref={firstField}
              value={form.name}
              maxLength={200}
              required
              autocomplete="off"
              aria-invalid={fieldError("name") ? "true" : undefined}
              aria-describedby={described("name")}
              onInput={(e) => update("name", e.currentTarget.value)}
            />
            {fieldError("name") && (
              <p class="field-error" id="name-error">
                {fieldError("name")}
              </p>
            )}
          </div>
          <div class="field-row">
            <div class="field">
              <label for="goal-type">Type</label>
              <select
                id="goal-type"
                value={form.type}
                aria-invalid={fieldError("type") ? "true" : undefined}
                aria-describedby={described("type")}
                onChange={(e) => update("type", e.currentTarget.value as GoalType)}
              >
                <option value="PAGEVIEW">Page view</option>
                <option value="EVENT">Event</option>
                <option value="CUSTOM">Custom goal (ka.goal)</option>
              </select>
              {fieldError("type") && (
                <p class="field-error" id="type-error">
                  {fieldError("type")}
                </p>
              )}
            </div>
            <div class="field">
              <label for="goal-match-type">Match type</label>
              <select
                id="goal-match-type"
                value={form.matchType}
                aria-invalid={fieldError("matchType") ? "true" : undefined}
                aria-describedby={described("matchType")}
                onChange={(e) => update("matchType", e.currentTarget.value as MatchType)}
              >
                <option value="EXACT">Exact</option>
                <option value="CONTAINS">Contains</option>
                <option value="REGEX">Regular expression (RE2)</option>
              </select>
              {fieldError("matchType") && (
                <p class="field-error" id="matchType-error">
                  {fieldError("matchType")}
                </p>
              )}
            </div>
          </div>
          <div class="field">
            <label for="goal-match-value">Match value</label>
            <input
              id="goal-match-value"
              value={form.matchValue}
              autocomplete="off"
              spellcheck={false}
              required
              placeholder={form.type === "PAGEVIEW" ? "/thank-you" : form.type === "EVENT" ? "signup" : "purchase"}
              aria-invalid={fieldError("matchValue") ? "true" : undefined}
              aria-describedby={described("matchValue", true)}
              onInput={(e) => update("matchValue", e.currentTarget.value)}
            />
            <p class="hint" id="matchValue-hint">
              {VALUE_HINTS[form.type]}
              {form.matchType === "REGEX" ? "; RE2 syntax, e.g. ^/blog/\\d+$" : ""}
            </p>
            {fieldError("matchValue") && (
              <p class="field-error" id="matchValue-error">
                {fieldError("matchValue")}
              </p>
            )}
          </div>
          <div class="field">
            <label for="goal-currency">Currency (optional)</label>
            <input
              id="goal-currency"
              value={form.currency}
              maxLength={3}
              autocomplete="off"
              spellcheck={false}
              placeholder="USD"
              class="short"
              aria-invalid={fieldError("currency") ? "true" : undefined}
              aria-describedby={described("currency", true)}
              onInput={(e) => update("currency", e.currentTarget.value.toUpperCase())}
            />
            <p class="hint" id="currency-hint">
              An ISO 4217 code turns on revenue tracking; leave it empty for none.
            </p>
            {fieldError("currency") && (
              <p class="field-error" id="currency-error">
                {fieldError("currency")}
              </p>
            )}
          </div>
          <div class="actions">
            <button type="submit" class="primary" disabled={saving || conflict !== null}>
              {saving ? "Saving…" : id === null ? "Create goal" : "Save changes"}
            </button>
            <a class="button" href={back}>
              Cancel
            </a>
            {id !== null && original && (
              <button type="button" class="danger-outline push-right" aria-label={`Delete ${original.name}`} onClick={() => remover.ask(original)}>
                Delete
              </button>
            )}
          </div>
        </form>
        <PreviewPanel preview={preview} canRead={ctx.caps.read} type={form.type} periodText={periodLabel(ctx.period)} />
      </div>
      {remover.dialog}
    </section>
  );
}

function describeDefinition(goal: GoalFieldsFragment): string {
  return `${goal.type.toLowerCase()} ${goal.matchType.toLowerCase()} “${goal.matchValue}”`;
}

function PreviewPanel({ preview, canRead, type, periodText }: { preview: Preview; canRead: boolean; type: GoalType; periodText: string }) {
  const words = type === "PAGEVIEW" ? "paths" : "names";
  let body;
  if (!canRead) {
    body = <p class="muted">Previews need a token with the analytics:read scope; this one can only write.</p>;
  } else if (preview.status === "idle") {
    body = <p class="muted">Type a match value to see what this goal would have counted.</p>;
  } else if (preview.status === "error") {
    body = (
      <p class="field-error" role="alert">
        {preview.message}
      </p>
    );
  } else {
    const result = preview.status === "ok" ? preview.result : preview.last;
    const stats = result?.stats;
    body = (
      <div class={preview.status === "loading" ? "stale" : undefined}>
        {result && result.userErrors.length > 0 ? (
          <p class="muted">Fix the highlighted field to see a preview.</p>
        ) : stats ? (
          <>
            <p>
              {periodText} ({formatRange(stats.from, stats.to)}): this goal would have had{" "}
              <strong data-preview="conversions">{formatCount(stats.conversions)}</strong> conversions,{" "}
              <strong data-preview="uniqueConversions">{formatCount(stats.uniqueConversions)}</strong> unique (
              {formatRate(stats.conversionRate)} of visitors)
              {stats.revenue ? (
                <>
                  {" "}
                  and <strong>{formatMoney(stats.revenue)}</strong> revenue
                </>
              ) : null}
              .
            </p>
            {result && result.topMatches.length > 0 ? (
              <>
                <h3>Matching {words}</h3>
                <table class="matches" data-preview="matches">
                  <thead>
                    <tr>
                      <th scope="col">{type === "PAGEVIEW" ? "Path" : "Name"}</th>
                      <th scope="col" class="num">
                        Conversions
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.topMatches.map((m) => (
                      <tr key={m.value}>
                        <td>
                          <code>{m.value}</code>
                        </td>
                        <td class="num">{formatCount(m.conversions)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            ) : (
              <p class="muted">Nothing matched: check the value and the type.</p>
            )}
          </>
        ) : (
          <p class="muted">Counting…</p>
        )}
      </div>
    );
  }
  return (
    <aside class="panel preview" aria-labelledby="preview-title">
      <h2 id="preview-title">
        Preview{" "}
        {preview.status === "loading" && (
          <span class="muted small" role="status">
            updating…
          </span>
        )}
      </h2>
      <div aria-live="polite">{body}</div>
    </aside>
  );
}
