import { useDashboard } from "../context";
import { describeMatch } from "../lib/format";
import { useDeleteGoal } from "./useDeleteGoal";

/**
 * A token with analytics:write but not analytics:read may change goals but
 * read nothing: no list, no stats, no preview. It gets the editor, and the
 * goals it created or changed in this tab.
 */
export function WriteOnlyPage() {
  const ctx = useDashboard();
  const siteKey = ctx.site?.key ?? "";
  const remover = useDeleteGoal(() => undefined);
  const mine = ctx.sessionGoals;
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1}>
          Goal editor
        </h1>
        {siteKey && (
          <div class="page-actions">
            <a class="button primary" href={ctx.href({ name: "new" })}>
              New goal
            </a>
          </div>
        )}
      </div>
      <p class="callout" role="note">
        This token can write goals but not read them (it lacks analytics:read), so there are no numbers, previews or live
        conversions here, and goalgate does not tell it which sites it may use: type the site key above.
      </p>
      {!siteKey && <p>Type the key of the site to work on (sk_…) in “Site key” above, then create a goal.</p>}
      <h2>Goals changed in this tab</h2>
      {mine.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <ul class="plain-list goals-mine">
          {mine.map((goal) => (
            <li key={goal.id}>
              <span>
                <strong>{goal.name}</strong> <span class="muted">{describeMatch(goal)}</span>
              </span>
              <span>
                <a class="button small" href={ctx.href({ name: "edit", id: goal.id })} aria-label={`Edit ${goal.name}`}>
                  Edit
                </a>{" "}
                <button type="button" class="small danger-outline" aria-label={`Delete ${goal.name}`} onClick={() => remover.ask(goal)}>
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {remover.dialog}
    </section>
  );
}
