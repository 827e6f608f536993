// A site's goals, 20 at a time, with a "More" button: Relay's @connection on
// Site.goals (Relay's PageInfo and edges) and usePaginationFragment.
import { graphql, usePaginationFragment } from "react-relay";
import type { GoalList_site$key } from "./__generated__/GoalList_site.graphql";
import { GoalRow } from "./GoalRow";

export function GoalList({ site }: { site: GoalList_site$key }) {
  const { data, loadNext, hasNext, isLoadingNext } = usePaginationFragment(
    graphql`
      fragment GoalList_site on Site
      @refetchable(queryName: "GoalListPaginationQuery")
      @argumentDefinitions(
        count: { type: "Int", defaultValue: 20 }
        cursor: { type: "String" }
      ) {
        goals(first: $count, after: $cursor) @connection(key: "GoalList_goals") {
          edges {
            node {
              id
              ...GoalRow_goal
            }
          }
        }
      }
    `,
    site,
  );
  return (
    <ul>
      {data.goals?.edges.map(({ node }) => <GoalRow key={node.id} goal={node} />)}
      {hasNext && (
        <button disabled={isLoadingNext} onClick={() => loadNext(20)}>More</button>
      )}
    </ul>
  );
}
