// The page's query: the site, and the first page of its goals.
import { graphql, useLazyLoadQuery } from "react-relay";
import type { GoalsPageQuery } from "./__generated__/GoalsPageQuery.graphql";
import { GoalList } from "./GoalList";

export function GoalsPage({ siteKey }: { siteKey: string }) {
  const data = useLazyLoadQuery<GoalsPageQuery>(
    graphql`
      query GoalsPageQuery($key: String!) {
        site(key: $key) {
          id
          domain
          ...GoalList_site
        }
      }
    `,
    { key: siteKey },
  );
  return data.site ? <GoalList site={data.site} /> : <p>No such site.</p>;
}
