// createTrustedClient (docs/clients/apollo.mjs) with graphql-codegen's client-preset
// documents, compiled to out/graphql.js, against a goalgate that runs that
// preset's manifest only. Run by test_codegen.py:
//
//   node apollo_trusted_check.mjs <url of /graphql> <token> <site key>
//
// Prints {exchanges, sites, goals, warnings} as JSON.
import { createTrustedClient } from "./apollo.mjs";
import { MySitesDocument, SiteGoalsDocument } from "./out/graphql.js";

const [uri, token, site] = process.argv.slice(2);
const warnings = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => warnings.push(args.map(String).join(" "));
}
const exchanges = [];
async function recordingFetch(input, init) {
  const sent = JSON.parse(init.body);
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

const client = createTrustedClient({ uri, token, fetch: recordingFetch });
const sites = (await client.query({ query: MySitesDocument })).data.viewer.sites;
const goals = (await client.query({ query: SiteGoalsDocument, variables: { site } })).data.site.goals;
console.log(JSON.stringify({
  exchanges,
  sites: sites.map(({ __typename, key, id }) => ({ __typename, key, id })),
  goals: goals.edges.map(({ node }) => ({ __typename: node.__typename, id: node.id, name: node.name })),
  warnings,
}));
