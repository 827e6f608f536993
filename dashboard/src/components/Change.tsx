import { changeDirection, describeChange, formatChange } from "../lib/format";

/**
 * A relative change against the previous period: "+12.3%" with an arrow, or "—".
 * Green is better, red worse: for a number that is better lower (a bounce rate),
 * `lowerIsBetter` swaps the colours, not the arrow.
 */
export function Change({ value, label, lowerIsBetter = false }: { value: number | null | undefined; label?: string; lowerIsBetter?: boolean }) {
  const direction = changeDirection(value);
  const tone = lowerIsBetter && direction === "up" ? "down" : lowerIsBetter && direction === "down" ? "up" : direction;
  const arrow = direction === "up" ? "▲" : direction === "down" ? "▼" : "";
  const description = `${label ? `${label}: ` : ""}${describeChange(value)}`;
  return (
    <span class={`change change-${tone}`} data-direction={direction} title={description}>
      {arrow && <span aria-hidden="true">{arrow} </span>}
      <span class="visually-hidden">{description}</span>
      <span class="change-figure" aria-hidden="true">
        {formatChange(value)}
      </span>
    </span>
  );
}
