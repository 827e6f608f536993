import { useState } from "preact/hooks";
import { describeError, requestPartial } from "../api/client";
import { useDashboard } from "../context";
import { DeleteGoalDocument } from "../gql/operations";
import { ConfirmDialog } from "./ConfirmDialog";

interface Target {
  id: string;
  name: string;
}

/**
 * Delete with a confirmation: `ask(goal)` opens the dialog; `dialog` is the
 * element to render; `onDeleted` runs after the goal is gone (also when it
 * turns out to be gone already).
 */
export function useDeleteGoal(onDeleted: (target: Target) => void) {
  const ctx = useDashboard();
  const [target, setTarget] = useState<Target | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    if (!target || !ctx.site) return;
    setBusy(true);
    setError(null);
    try {
      const { data } = await requestPartial(DeleteGoalDocument, { site: ctx.site.key, id: target.id }, { token: ctx.token });
      const problem = data.deleteGoal.userErrors[0];
      if (problem && problem.code === "NOT_FOUND") {
        ctx.notify(`“${target.name}” was already deleted elsewhere; the list is reloaded.`);
      } else if (problem) {
        setError(problem.message);
        return;
      } else {
        ctx.notify(`Deleted “${target.name}”.`);
      }
      ctx.forgetGoal(target.id);
      setTarget(null);
      onDeleted(target);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  const dialog = target ? (
    <ConfirmDialog
      title={`Delete “${target.name}”?`}
      message={
        (error ? `${error} ` : "") +
        "The goal goes away; its events stay, so creating the same goal again brings its numbers back."
      }
      confirmLabel="Delete"
      busy={busy}
      onConfirm={() => void confirm()}
      onCancel={() => {
        setTarget(null);
        setError(null);
      }}
    />
  ) : null;

  return { ask: (goal: Target) => setTarget(goal), dialog };
}
