import { linePath, niceScale } from "../lib/chart";

const BOX = { width: 96, height: 24 };

/** A tiny trend line; decorative (the row's figures say the same). */
export function Sparkline({ values }: { values: readonly number[] }) {
  const top = niceScale(Math.max(0, ...values)).top;
  return (
    <svg class="sparkline" viewBox={`-1 -2 ${BOX.width + 2} ${BOX.height + 4}`} width={BOX.width} height={BOX.height} aria-hidden="true" focusable="false">
      <path d={linePath(values, top, BOX)} />
    </svg>
  );
}
