// A funnel's steps as a person builds them: 2 to 8 of the site's goals, in
// order, each at most once; and their form in the address bar
// (#/funnel?site=...&steps=<id>,<id>,<id>), so that a link carries the funnel.

export const MIN_STEPS = 2;
export const MAX_STEPS = 8;

/** The steps with `id` added at the end; unchanged when it is there already or the funnel is full. */
export function addStep(steps: readonly string[], id: string): string[] {
  if (!id || steps.includes(id) || steps.length >= MAX_STEPS) return [...steps];
  return [...steps, id];
}

export function removeStep(steps: readonly string[], index: number): string[] {
  return steps.filter((_, i) => i !== index);
}

/** The step at `index` moved by `by` places (-1 up, +1 down); unchanged at either end. */
export function moveStep(steps: readonly string[], index: number, by: -1 | 1): string[] {
  const to = index + by;
  if (index < 0 || index >= steps.length || to < 0 || to >= steps.length) return [...steps];
  const out = [...steps];
  [out[index], out[to]] = [out[to]!, out[index]!];
  return out;
}

/** Why these steps cannot be asked for, in words; null when they can. */
export function stepsProblem(steps: readonly string[]): string | null {
  if (steps.length < MIN_STEPS) {
    return `A funnel needs at least ${MIN_STEPS} steps: add ${MIN_STEPS - steps.length === 1 ? "one more goal" : "two goals"}.`;
  }
  if (steps.length > MAX_STEPS) return `A funnel has at most ${MAX_STEPS} steps: remove ${steps.length - MAX_STEPS}.`;
  return null;
}

/** "a,b,c" -> ["a", "b", "c"]; empty and repeated ids dropped. */
export function stepsFromParam(raw: string | null): string[] {
  if (!raw) return [];
  return [...new Set(raw.split(",").map((id) => id.trim()).filter(Boolean))];
}

export function stepsToParam(steps: readonly string[]): string {
  return steps.join(",");
}
