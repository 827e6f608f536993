// urql with docs/clients/urql.mjs against a live goalgate, as docs/frontends.md
// sets it up: the docs' operations (docs/clients/operations.graphql) through
// Graphcache and automatic persisted queries, then what the cache holds. Run by
// test_urql_client.py, from a directory holding copies of urql.mjs,
// operations.graphql and this script next to a node_modules link.
//
//   node urql_client_check.mjs <url of /graphql> <token> <site key> <goal id>
//
// Prints one JSON object: every HTTP exchange (APQ), the results, what the
// normalised cache holds and whatever urql warned.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Kind, parse } from "graphql";
import { createClient, graphcache, sha256 } from "./urql.mjs";

const [url, token, site, goalId] = process.argv.slice(2);

const warnings = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => warnings.push(args.map(String).join(" "));
}

const operations = Object.fromEntries(
  parse(readFileSync(new URL("./operations.graphql", import.meta.url), "utf8"))
    .definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION)
    .map((definition) => [definition.name.value, { kind: Kind.DOCUMENT, definitions: [definition] }]),
);

// What was sent, from a GET's query string or a POST's JSON body.
function sentOf(input, init) {
  if ((init.method ?? "GET") === "GET") {
    const params = new URL(String(input)).searchParams;
    const json = (name) => (params.has(name) ? JSON.parse(params.get(name)) : undefined);
    return { operationName: params.get("operationName"), query: params.get("query") ?? undefined, extensions: json("extensions") };
  }
  return JSON.parse(init.body);
}

const exchanges = [];
async function recordingFetch(input, init) {
  const sent = sentOf(input, init);
  const response = await fetch(input, init);
  const body = await response.clone().json();
  exchanges.push({
    method: init.method ?? "GET",
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

// Graphcache's store (the `cache` its updaters are handed) answers inspectFields
// and resolve only while Graphcache writes or reads. So the docs' deleteGoal
// updater is wrapped: it runs, then the wrapper reads the normalised data.
let normalised = null;
const { deleteGoal } = graphcache.updates.Mutation;
graphcache.updates.Mutation.deleteGoal = (result, args, cache, info) => {
  deleteGoal(result, args, cache, info);
  normalised = inspect(cache, result.deleteGoal.deletedGoalId);
};

function inspect(cache, deletedId) {
  const fields = (entity) => cache.inspectFields(entity).map((field) => field.fieldKey).sort();
  // An entity's fields and values, links followed into the embedded ones.
  const read = (key) => Object.fromEntries(
    cache.inspectFields(key).map(({ fieldKey, fieldName, arguments: args }) => {
      const value = cache.resolve(key, fieldName, args ?? undefined);
      const embedded = typeof value === "string" && value.startsWith(`${key}.`);
      return [fieldKey, embedded ? read(value) : value];
    }),
  );
  const siteKey = cache.resolve("Query", "site", { key: site });
  const statsKey = cache.resolve({ __typename: "Goal", id: goalId }, "stats", { period: "LAST_30_DAYS" });
  return {
    queryFields: fields("Query"),
    viewerSites: cache.resolve(cache.resolve("Query", "viewer"), "sites"),
    siteByKey: siteKey,
    siteFields: fields(siteKey),
    goalFields: fields({ __typename: "Goal", id: goalId }),
    deletedGoalFields: fields({ __typename: "Goal", id: deletedId }),
    statsKey,
    stats: read(statsKey),
  };
}

const client = createClient({ url, token, fetch: recordingFetch });

// A result's data, failing the script on any error (toPromise takes the first
// complete result, from the cache or the network).
async function run(promise) {
  const result = await promise;
  if (result.error) throw result.error;
  return result.data;
}
const query = (document, variables = {}, context = {}) => run(client.query(document, variables, context).toPromise());
const mutate = (document, variables) => run(client.mutation(document, variables).toPromise());
// What the cache alone answers (null when it cannot).
const fromCache = (document, variables) => client.readQuery(document, variables)?.data ?? null;

const results = {};
results.mySites = await query(operations.MySites);
results.firstPage = await query(operations.SiteGoals, { site, first: 2 });
const after = results.firstPage.site.goals.pageInfo.endCursor;
// The next page (not cached: from the network); relayPagination answers with
// both pages in one list, and so does the first page's query from now on.
results.nextPage = await query(operations.SiteGoals, { site, first: 2, after });
results.bothPages = fromCache(operations.SiteGoals, { site, first: 2 });

results.conversions = await query(operations.GoalConversions, { site, id: goalId });
results.revenue = await query(operations.GoalRevenue, { site, id: goalId });
// Both queries' numbers are in the one GoalStats under the goal.
results.conversionsFromCache = fromCache(operations.GoalConversions, { site, id: goalId });
results.sitesAgain = await query(operations.MySites, {}, { requestPolicy: "network-only" });

results.created = await mutate(operations.CreateGoal, {
  site,
  input: { name: "Newsletter", type: "EVENT", matchType: "EXACT", matchValue: "newsletter" },
});
const doomed = results.firstPage.site.goals.edges[1].node.id;
results.deleted = await mutate(operations.DeleteGoal, { site, id: doomed });
// The list held the invalidated goal: the cache cannot answer it any more, and
// a cache-first query fetches it again.
results.afterDeleteFromCache = fromCache(operations.SiteGoals, { site, first: 2 });
results.afterDelete = await query(operations.SiteGoals, { site, first: 2 });

console.log(JSON.stringify({
  exchanges,
  results,
  normalised,
  sha256OfEmpty: await sha256(""),
  warnings,
}, null, 2));
