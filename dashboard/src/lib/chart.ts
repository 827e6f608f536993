// Scales and paths for the hand-drawn SVG charts (no chart library).

/** A round upper bound and tick step covering `max` (0 gives a 0..1 axis). */
export function niceScale(max: number, ticks = 4): { top: number; step: number } {
  if (!Number.isFinite(max) || max <= 0) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  // Counts get whole steps.
  const whole = step < 1 && Number.isInteger(max) ? 1 : step;
  return { top: Math.ceil(max / whole) * whole, step: whole };
}

export function ticksOf(scale: { top: number; step: number }): number[] {
  const out: number[] = [];
  for (let value = 0; value <= scale.top + scale.step / 2; value += scale.step) {
    out.push(Number(value.toPrecision(12)));
  }
  return out;
}

export interface Box {
  width: number;
  height: number;
}

/** x of point `index` of `count` points spread across `width`. */
export function xAt(index: number, count: number, width: number): number {
  return count <= 1 ? width / 2 : (index / (count - 1)) * width;
}

export function yAt(value: number, top: number, height: number): number {
  return top <= 0 ? height : height - (value / top) * height;
}

function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** An SVG path through the values ("M x y L x y ..."); empty for no values. */
export function linePath(values: readonly number[], top: number, box: Box, count = values.length): string {
  return values
    .map((v, i) => `${i === 0 ? "M" : "L"}${round(xAt(i, count, box.width))} ${round(yAt(v, top, box.height))}`)
    .join(" ");
}

/** The same line closed down to the axis, for a filled area. */
export function areaPath(values: readonly number[], top: number, box: Box, count = values.length): string {
  if (values.length === 0) return "";
  const last = round(xAt(values.length - 1, count, box.width));
  return `${linePath(values, top, box, count)} L${last} ${round(box.height)} L${round(xAt(0, count, box.width))} ${round(box.height)} Z`;
}

/** The index of the point nearest to x. */
export function indexAt(x: number, count: number, width: number): number {
  if (count <= 1 || width <= 0) return 0;
  return Math.max(0, Math.min(count - 1, Math.round((x / width) * (count - 1))));
}
