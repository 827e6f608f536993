// Apollo Client 4 for goalgate: a normalised cache that fits the schema, and
// automatic persisted queries. Runs as is in a browser and in Node.js 20+.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { relayStylePagination } from "@apollo/client/utilities";

export const typePolicies = {
  // Sites and goals implement Node, so the cache's default key, __typename and
  // id ("Site:U2l0ZTpza19..."), gives each one entry whichever field brought it
  // (viewer.sites, site(key:), node(id:), a goal's site): no keyFields needed.
  Site: {
    fields: {
      // Pages of goals append to one list per goal type (first and after are
      // paging, not part of the list's identity); edges and pageInfo as Relay's.
      goals: relayStylePagination(["type"]),
    },
  },
  // Stats have no id: each lives under its goal or site, one per set of
  // arguments. Two queries asking different numbers of the same stats merge
  // them rather than one replacing the other.
  GoalStats: { merge: true },
  SiteStats: { merge: true },
  Money: { merge: true },
};

// The SHA-256 APQ sends, in lowercase hex (Web Crypto: browsers and Node.js).
export async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// deleteGoal answers the id it deleted: evict that goal, and gc() what only it
// held (its stats). Lists that held it (a site's goals) drop it when read.
export function evictDeletedGoal(cache, { data }) {
  const id = data?.deleteGoal.deletedGoalId;
  if (id) {
    cache.evict({ id: cache.identify({ __typename: "Goal", id }) });
    cache.gc();
  }
}

export function createClient({ uri, token, fetch = globalThis.fetch }) {
  const link = ApolloLink.from([
    // Sends a document's hash first, its text only when the server answers
    // PERSISTED_QUERY_NOT_FOUND (once per document and server process).
    new PersistedQueryLink({ sha256 }),
    new HttpLink({ uri, fetch, headers: { authorization: `Bearer ${token}` } }),
  ]);
  return new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
}

// On a server that runs trusted documents only (GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS
// set to codegen's persisted-documents.json), send each document by the id the
// client preset put on it, never its text; pass the preset's documents
// (src/gql/graphql.ts) to query and mutate.
export function createTrustedClient({ uri, token, fetch = globalThis.fetch }) {
  const link = ApolloLink.from([
    new PersistedQueryLink({ generateHash: (document) => document["__meta__"].hash }),
    new HttpLink({ uri, fetch, headers: { authorization: `Bearer ${token}` } }),
  ]);
  return new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
}
