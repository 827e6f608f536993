// Deleting a goal removes it from Relay's store, and so from every connection
// and fragment that showed it: @deleteRecord on the id deleteGoal returns.
import { graphql, useMutation } from "react-relay";
import type { DeleteGoalMutation } from "./__generated__/DeleteGoalMutation.graphql";

export function useDeleteGoal() {
  const [commit, isInFlight] = useMutation<DeleteGoalMutation>(graphql`
    mutation DeleteGoalMutation($siteKey: String!, $id: ID!) {
      deleteGoal(siteKey: $siteKey, id: $id) {
        deletedGoalId @deleteRecord
        userErrors {
          code
          message
        }
      }
    }
  `);
  const deleteGoal = (siteKey: string, id: string) =>
    commit({ variables: { siteKey, id } });
  return [deleteGoal, isInFlight] as const;
}
