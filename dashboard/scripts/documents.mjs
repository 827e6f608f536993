// The dashboard's trusted-documents manifest: {sha256 of a document: the
// document}, for every operation it sends (src/gql/operations.ts, written by
// scripts/codegen.mjs), in the format GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS reads.
// The dashboard sends each operation's exact text (requests and the live
// socket), and a server in trusted-documents mode runs a text that is one of
// the manifest's documents. vite.config.ts writes the manifest into the build
// as persisted-documents.json; test/documents.test.ts checks it holds the
// very strings the dashboard sends.
import { createHash } from "node:crypto";

// `export const XDocument = new TypedDocumentString(`...`)`: the operations
// (fragments are inlined into each, as codegen's string mode writes them).
const OPERATION = /^export const (\w+)Document = new TypedDocumentString\(`([^`]*)`/gm;

export const MANIFEST_FILE = "persisted-documents.json";

export function trustedDocuments(operationsSource) {
  const manifest = {};
  for (const [, name, text] of operationsSource.matchAll(OPERATION)) {
    // A backslash or ${ would be read differently by JavaScript than here.
    if (text.includes("\\") || text.includes("${")) {
      throw new Error(`${name}Document holds \\ or \${: its text cannot be read from the source`);
    }
    manifest[createHash("sha256").update(text, "utf8").digest("hex")] = text;
  }
  if (Object.keys(manifest).length === 0) throw new Error("no operation found in src/gql/operations.ts");
  return Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => (a < b ? -1 : 1)));
}
