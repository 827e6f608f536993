import { changeDirection, describeChange, formatChange } from "../lib/format";

/** A relative change against the previous period: "+12.3%" with an arrow, or "—". */
export function Change({ value, label }: { value: number | null | undefined; label?: string }) {
  const direction = changeDirection(value);
  const arrow = direction === "up" ? "▲" : direction === "down" ? "▼" : "";
  const description = `${label ? `${label}: ` : ""}${describeChange(value)}`;
  return (
    <span class={`change change-${direction}`} title={description}>
      {arrow && <span aria-hidden="true">{arrow} </span>}
      <span class="visually-hidden">{description}</span>
      <span class="change-figure" aria-hidden="true">
        {formatChange(value)}
      </span>
    </span>
  );
}
