// Apollo Client 4 with docs/clients/apollo.mjs against a live goalgate, as
// docs/frontends.md sets it up: the docs' operations (docs/clients/
// operations.graphql) with automatic persisted queries on, then what the cache
// holds. Run by test_apollo_client.py, from a directory holding copies of
// apollo.mjs, operations.graphql and this script next to a node_modules link.
//
//   node apollo_client_check.mjs <url of /graphql> <token> <site key> <goal id>
//
// Prints one JSON object: every HTTP exchange (APQ), the results, the cache's
// entries and whatever Apollo warned.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Kind, parse } from "graphql";
import { createClient, evictDeletedGoal, sha256 } from "./apollo.mjs";

const [uri, token, site, goalId] = process.argv.slice(2);

const warnings = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => warnings.push(args.map(String).join(" "));
}

const operations = Object.fromEntries(
  parse(readFileSync(new URL("./operations.graphql", import.meta.url), "utf8"))
    .definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION)
    .map((definition) => [definition.name.value, { kind: Kind.DOCUMENT, definitions: [definition] }]),
);

const exchanges = [];
async function recordingFetch(input, init) {
  const sent = init.method === "GET" ? {} : JSON.parse(init.body);
  const response = await fetch(input, init);
  const body = await response.clone().json();
  exchanges.push({
    method: init.method,
    operationName: sent.operationName ?? null,
    hash: sent.extensions?.persistedQuery?.sha256Hash ?? null,
    withQuery: typeof sent.query === "string",
    // The hash is the SHA-256 of exactly the text sent with it.
    hashOfQuery: typeof sent.query === "string"
      ? createHash("sha256").update(sent.query).digest("hex") === sent.extensions?.persistedQuery?.sha256Hash
      : null,
    status: response.status,
    codes: (body.errors ?? []).map((error) => error.extensions?.code ?? null),
  });
  return response;
}

const client = createClient({ uri, token, fetch: recordingFetch });
const results = {};

results.mySites = (await client.query({ query: operations.MySites })).data;
results.firstPage = (await client.query({ query: operations.SiteGoals, variables: { site, first: 2 } })).data;
const after = results.firstPage.site.goals.pageInfo.endCursor;
// What useQuery's fetchMore does: the next page from the network, merged into the list
// (a cache-first query would be answered from the cache, where the list reads whole).
await client.query({ query: operations.SiteGoals, variables: { site, first: 2, after }, fetchPolicy: "network-only" });
// relayStylePagination keeps one list: the first page's query now reads both pages.
results.bothPages = client.readQuery({ query: operations.SiteGoals, variables: { site, first: 2 } });

results.conversions = (await client.query({ query: operations.GoalConversions, variables: { site, id: goalId } })).data;
results.revenue = (await client.query({ query: operations.GoalRevenue, variables: { site, id: goalId } })).data;
// Both queries' numbers are in the one GoalStats entry (merge: true).
results.conversionsFromCache = client.readQuery({ query: operations.GoalConversions, variables: { site, id: goalId } });
results.sitesAgain = (await client.query({ query: operations.MySites, fetchPolicy: "network-only" })).data;

const created = await client.mutate({
  mutation: operations.CreateGoal,
  variables: { site, input: { name: "Newsletter", type: "EVENT", matchType: "EXACT", matchValue: "newsletter" } },
});
results.created = created.data;
const doomed = results.firstPage.site.goals.edges[1].node.id;
const deleted = await client.mutate({
  mutation: operations.DeleteGoal,
  variables: { site, id: doomed },
  update: evictDeletedGoal,
});
results.deleted = deleted.data;
results.afterDelete = client.readQuery({ query: operations.SiteGoals, variables: { site, first: 2 } });

const cache = client.cache.extract();
const stats = cache[`Goal:${goalId}`]?.['stats({"period":"LAST_30_DAYS"})'] ?? null;
console.log(JSON.stringify({
  exchanges,
  results,
  siteEntries: Object.keys(cache).filter((key) => key.startsWith("Site:")),
  goalEntries: Object.keys(cache).filter((key) => key.startsWith("Goal:")).sort(),
  deletedInCache: `Goal:${doomed}` in cache,
  stats,
  sha256OfEmpty: await sha256(""),
  warnings,
}, null, 2));
