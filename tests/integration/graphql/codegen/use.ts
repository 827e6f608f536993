// Compiled with tsc --strict against the types graphql-codegen wrote from the
// docs' operations (test_codegen.py): the scalars arrive as strings, enums as
// string unions, nullable fields as null-able.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  DashboardDocument,
  GoalRevenueDocument,
  SiteGoalsDocument,
  type DashboardQuery,
  type GoalRevenueQuery,
  type SiteGoalsQuery,
  type SiteGoalsQueryVariables,
} from "./gql/graphql";

export function revenueText(data: GoalRevenueQuery): string {
  const revenue = data.goal?.stats?.revenue;
  const amount: string | undefined = revenue?.amount; // Decimal
  return revenue ? `${amount} ${revenue.currency}` : "no revenue";
}

export function period(data: DashboardQuery): [string, string] | null {
  const first = data.site?.goals?.nodes[0]?.stats;
  return first ? [first.from, first.to] : null; // Date
}

export function goalTypes(data: SiteGoalsQuery): Array<"PAGEVIEW" | "EVENT" | "CUSTOM"> {
  return data.site?.goals?.edges.map((edge) => edge.node.type) ?? [];
}

export const nextPage: SiteGoalsQueryVariables = { site: "sk_demo", first: 20, after: "c" };

export const documents: Array<TypedDocumentNode<unknown, never>> = [
  DashboardDocument,
  GoalRevenueDocument,
  SiteGoalsDocument,
] as Array<TypedDocumentNode<unknown, never>>;
