// graphql-codegen's client preset for a goalgate frontend: typed documents for
// every operation under src/, and persisted-documents.json, the manifest an
// operator hands to GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS.
//   goalgate schema > schema.graphql   (or point schema at a server's /graphql)
//   npx graphql-codegen --config codegen.ts
import type { CodegenConfig } from "@graphql-codegen/cli";
import { addTypenameSelectionDocumentTransform } from "@graphql-codegen/client-preset";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["src/**/*.graphql", "src/**/*.{ts,tsx}", "!src/gql/**"],
  generates: {
    "src/gql/": {
      preset: "client",
      // __typename in every selection, as a normalised cache (Apollo, urql)
      // asks it: the manifest then holds the documents such a client sends.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: {
        // Each document's SHA-256 beside it, and all of them in
        // src/gql/persisted-documents.json ({hash: document}).
        persistedDocuments: { hashAlgorithm: "sha256" },
      },
      config: {
        // What the server sends: "2024-03-01", "2024-03-01T12:00:00+00:00" and
        // "16758.00" (an exact decimal: parse it with a decimal type, not a float).
        scalars: { Date: "string", DateTime: "string", Decimal: "string" },
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
