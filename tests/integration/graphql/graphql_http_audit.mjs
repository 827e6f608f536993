// graphql-http's server audits (GraphQL over HTTP conformance) against a live goalgate.
//
//   GOALGATE_AUDIT_TOKEN=gg_... node graphql_http_audit.mjs http://127.0.0.1:8000/graphql
//
// Runs every audit twice, without a token and with the token (an Authorization header
// added by fetchFn), and prints {"anonymous": [...], "token": [...]} as JSON: one
// {id, name, status, reason} per audit, status "ok", "notice" (MAY), "warn" (SHOULD)
// or "error" (MUST). Run by tests/integration/graphql/test_http_audit.py.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node graphql_http_audit.mjs <url of /graphql>");
  process.exit(2);
}
const token = process.env.GOALGATE_AUDIT_TOKEN;

function withToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

async function run(fetchFn) {
  const results = [];
  // One at a time: the server is small and the audits are many.
  for (const audit of serverAudits({ url, fetchFn })) {
    const { id, name, status, reason } = await audit.fn();
    results.push({ id, name, status, reason: reason ?? null });
  }
  return results;
}

const report = { anonymous: await run(fetch) };
if (token) {
  report.token = await run(withToken);
}
console.log(JSON.stringify(report, null, 2));
