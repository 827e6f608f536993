// One goal and its numbers; another period refetches this goal alone, through
// Query.node (Goal implements Node).
import { graphql, useRefetchableFragment } from "react-relay";
import type { GoalRow_goal$key } from "./__generated__/GoalRow_goal.graphql";

export function GoalRow({ goal }: { goal: GoalRow_goal$key }) {
  const [data, refetch] = useRefetchableFragment(
    graphql`
      fragment GoalRow_goal on Goal
      @refetchable(queryName: "GoalRowRefetchQuery")
      @argumentDefinitions(period: { type: "StatsPeriod", defaultValue: LAST_30_DAYS }) {
        id
        name
        stats(period: $period) {
          conversions
          uniqueConversions
          revenue {
            amount
            currency
          }
        }
      }
    `,
    goal,
  );
  return (
    <li>
      {data.name}: {data.stats?.conversions ?? "–"}
      <button onClick={() => refetch({ period: "LAST_7_DAYS" })}>7 days</button>
    </li>
  );
}
