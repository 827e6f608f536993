// urql (@urql/core 6) for goalgate: Graphcache, a normalised cache that fits the
// schema, and automatic persisted queries. Runs as is in a browser and in Node.js 20+.
import { Client, fetchExchange } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { persistedExchange } from "@urql/exchange-persisted";

export const graphcache = {
  // Sites and goals implement Node, so Graphcache's default key, __typename and
  // id ("Site:U2l0ZTpza19..."), gives each one entity whichever field brought it
  // (viewer.sites, site(key:), node(id:), a goal's site): no keys needed.
  keys: {
    // No id: each lives under the field that holds it (stats under their goal or
    // site, one per set of arguments), and two queries asking different numbers
    // of the same stats add fields to it rather than replace it. null says so:
    // without it Graphcache warns "Invalid key" for each. (Connections, edges and
    // PageInfo need nothing: Graphcache embeds them by name.)
    Viewer: () => null,
    GoalStats: () => null,
    SiteStats: () => null,
    Money: () => null,
  },
  resolvers: {
    // Pages of goals read as one list per goal type (first and after are paging,
    // not part of the list's identity); edges and pageInfo as Relay's.
    Site: { goals: relayPagination() },
  },
  updates: {
    Mutation: {
      // deleteGoal answers the id it deleted: invalidate that goal. A query that
      // held it (a site's goals) is then a cache miss, and fetched again.
      deleteGoal(result, _args, cache) {
        const id = result.deleteGoal?.deletedGoalId;
        if (id) cache.invalidate({ __typename: "Goal", id });
      },
    },
  },
};

// The SHA-256 APQ sends, in lowercase hex (Web Crypto: browsers and Node.js).
export async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function createClient({ url, token, fetch = globalThis.fetch }) {
  // Sends a document's hash first, its text only when the server answers
  // PersistedQueryNotFound (once per document and server process). Queries by
  // hash go as GET (a CDN may cache them), mutations as POST.
  const persisted = persistedExchange({ generateHash: (query) => sha256(query), enableForMutation: true });
  return clientWith(persisted, { url, token, fetch });
}

// On a server that runs trusted documents only (GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS
// set to codegen's persisted-documents.json), send each document by the id the
// client preset put on it, never its text; pass the preset's documents
// (src/gql/graphql.ts) to query and mutation.
export function createTrustedClient({ url, token, fetch = globalThis.fetch }) {
  const persisted = persistedExchange({
    generateHash: async (_query, document) => document["__meta__"].hash,
    enforcePersistedQueries: true,
    enableForMutation: true,
  });
  return clientWith(persisted, { url, token, fetch });
}

function clientWith(persisted, { url, token, fetch }) {
  return new Client({
    url,
    fetch,
    fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    exchanges: [cacheExchange(graphcache), persisted, fetchExchange],
  });
}
