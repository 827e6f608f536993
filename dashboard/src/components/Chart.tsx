import { useEffect, useRef, useState } from "preact/hooks";
import { areaPath, indexAt, linePath, niceScale, ticksOf, xAt, yAt } from "../lib/chart";
import { formatDay } from "../lib/format";

export interface Point {
  date: string;
  value: number;
}

interface Props {
  /** What is drawn, e.g. "Conversions per day". */
  title: string;
  current: readonly Point[];
  previous: readonly Point[] | null;
  format: (value: number) => string;
  currentLabel: string;
  previousLabel: string;
}

const MARGIN = { top: 10, right: 12, bottom: 26, left: 56 };

/**
 * A line chart of a period with the compared period overlaid (dashed), bucket
 * by bucket. Hand-drawn SVG; the arrow keys move through the buckets and the
 * line under the chart reads the one in focus.
 */
export function Chart({ title, current, previous, format, currentLabel, previousLabel }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  const [active, setActive] = useState<number | null>(null);

  useEffect(() => {
    const element = holder.current;
    if (!element) return undefined;
    const measure = () => setWidth(Math.max(240, Math.floor(element.clientWidth)));
    measure();
    if (typeof ResizeObserver === "undefined") return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const height = width < 480 ? 180 : 240;
  const plot = { width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
  const count = current.length;
  const values = current.map((p) => p.value);
  const before = previous ? previous.slice(0, count).map((p) => p.value) : [];
  const scale = niceScale(Math.max(0, ...values, ...before));
  const ticks = ticksOf(scale);
  const labelIndexes = count <= 1 ? [0] : count <= 3 ? [...Array(count).keys()] : [0, Math.floor((count - 1) / 2), count - 1];
  const point = active === null ? null : current[active];
  const previousPoint = active === null || !previous ? null : previous[active];

  const summary =
    count === 0
      ? `${title}: no data`
      : `${title}: ${count} buckets from ${formatDay(current[0]!.date)} to ${formatDay(current[count - 1]!.date)}, highest ${format(Math.max(...values))}` +
        (previous ? `; the previous period is drawn dashed` : "");

  const onKey = (event: KeyboardEvent) => {
    if (count === 0) return;
    const at = active ?? -1;
    let next: number | null = null;
    if (event.key === "ArrowRight") next = Math.min(count - 1, at + 1);
    else if (event.key === "ArrowLeft") next = Math.max(0, at < 0 ? count - 1 : at - 1);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = count - 1;
    else if (event.key === "Escape") {
      setActive(null);
      return;
    }
    if (next !== null) {
      event.preventDefault();
      setActive(next);
    }
  };

  const onPointer = (event: PointerEvent) => {
    const svg = event.currentTarget as SVGSVGElement;
    const box = svg.getBoundingClientRect();
    setActive(indexAt(event.clientX - box.left - MARGIN.left, count, plot.width));
  };

  return (
    <figure class="chart">
      <div class="chart-legend" aria-hidden="true">
        <span class="key key-current">{currentLabel}</span>
        {previous && <span class="key key-previous">{previousLabel}</span>}
      </div>
      <div ref={holder} class="chart-holder">
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={summary}
          tabIndex={0}
          onKeyDown={onKey}
          onPointerMove={onPointer}
          onPointerLeave={() => setActive(null)}
          onBlur={() => setActive(null)}
        >
          <g transform={`translate(${MARGIN.left} ${MARGIN.top})`}>
            {ticks.map((tick) => {
              const y = yAt(tick, scale.top, plot.height);
              return (
                <g key={tick} class="tick">
                  <line x1={0} x2={plot.width} y1={y} y2={y} />
                  <text x={-8} y={y} dy="0.32em" text-anchor="end">
                    {format(tick)}
                  </text>
                </g>
              );
            })}
            {labelIndexes.map((i) => (
              <text
                key={i}
                class="x-label"
                x={xAt(i, count, plot.width)}
                y={plot.height + 18}
                text-anchor={count > 1 && i === 0 ? "start" : count > 1 && i === count - 1 ? "end" : "middle"}
              >
                {current[i] ? formatDay(current[i]!.date, "short") : ""}
              </text>
            ))}
            {previous && before.length > 0 && <path class="line-previous" d={linePath(before, scale.top, plot, count)} />}
            {count > 0 && <path class="area-current" d={areaPath(values, scale.top, plot)} />}
            {count > 0 && <path class="line-current" d={linePath(values, scale.top, plot)} />}
            {count === 1 && <circle class="dot" cx={xAt(0, 1, plot.width)} cy={yAt(values[0]!, scale.top, plot.height)} r={4} />}
            {active !== null && point && (
              <g class="cursor">
                <line x1={xAt(active, count, plot.width)} x2={xAt(active, count, plot.width)} y1={0} y2={plot.height} />
                <circle cx={xAt(active, count, plot.width)} cy={yAt(point.value, scale.top, plot.height)} r={4} />
              </g>
            )}
          </g>
        </svg>
      </div>
      <figcaption class="chart-readout" aria-live="polite">
        {point ? (
          <>
            <strong>{formatDay(point.date)}</strong>: {format(point.value)}
            {previousPoint && (
              <>
                {" "}
                · previous period ({formatDay(previousPoint.date)}): {format(previousPoint.value)}
              </>
            )}
          </>
        ) : (
          <span class="hint">Point at the chart, or focus it and use the arrow keys, to read a bucket.</span>
        )}
      </figcaption>
    </figure>
  );
}
