// createTrustedClient (docs/clients/urql.mjs) with graphql-codegen's client-preset
// documents, compiled to out/graphql.js, against a goalgate that runs that
// preset's manifest only. Run by test_codegen.py:
//
//   node urql_trusted_check.mjs <url of /graphql> <token> <site key>
//
// Prints {exchanges, sites, goals, warnings} as JSON.
import { createTrustedClient } from "./urql.mjs";
import { MySitesDocument, SiteGoalsDocument } from "./out/graphql.js";

const [url, token, site] = process.argv.slice(2);
const warnings = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => warnings.push(args.map(String).join(" "));
}
const exchanges = [];
async function recordingFetch(input, init) {
  // Queries go as GET (their parameters in the URL), mutations as POST.
  const params = new URL(String(input)).searchParams;
  const sent = (init.method ?? "GET") === "GET"
    ? { operationName: params.get("operationName"), query: params.get("query") ?? undefined, extensions: JSON.parse(params.get("extensions") ?? "{}") }
    : JSON.parse(init.body);
  const response = await fetch(input, init);
  const body = await response.clone().json();
  exchanges.push({
    operationName: sent.operationName,
    hash: sent.extensions?.persistedQuery?.sha256Hash ?? null,
    withQuery: typeof sent.query === "string",
    codes: (body.errors ?? []).map((error) => error.extensions?.code ?? null),
  });
  return response;
}

async function data(promise) {
  const result = await promise;
  if (result.error) throw result.error;
  return result.data;
}

const client = createTrustedClient({ url, token, fetch: recordingFetch });
const sites = (await data(client.query(MySitesDocument, {}).toPromise())).viewer.sites;
const goals = (await data(client.query(SiteGoalsDocument, { site }).toPromise())).site.goals;
console.log(JSON.stringify({
  exchanges,
  sites: sites.map(({ __typename, key, id }) => ({ __typename, key, id })),
  goals: goals.edges.map(({ node }) => ({ __typename: node.__typename, id: node.id, name: node.name })),
  warnings,
}));
