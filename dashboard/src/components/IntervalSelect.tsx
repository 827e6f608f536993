import type { StatsInterval } from "../gql/operations";

/** A bucket's name in a chart's title ("Visitors per day"). */
export const INTERVAL_WORDS: Record<StatsInterval, string> = { DAY: "day", WEEK: "week", MONTH: "month" };

/** The "Buckets" choice of a chart (day, week or month), one for every chart. */
export function IntervalSelect({ id, value, onChange }: { id: string; value: StatsInterval; onChange: (interval: StatsInterval) => void }) {
  return (
    <div class="control">
      <label for={id}>Buckets</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value as StatsInterval)}>
        <option value="DAY">Day</option>
        <option value="WEEK">Week</option>
        <option value="MONTH">Month</option>
      </select>
    </div>
  );
}
