import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
import { MANIFEST_FILE, trustedDocuments } from "./scripts/documents.mjs";

// persisted-documents.json in the build: the documents this build sends, for
// an operator who runs goalgate with GOALGATE_GRAPHQL_TRUSTED_DOCUMENTS.
function trustedDocumentsManifest(): Plugin {
  return {
    name: "goalgate-trusted-documents",
    generateBundle() {
      const source = readFileSync(fileURLToPath(new URL("./src/gql/operations.ts", import.meta.url)), "utf8");
      this.emitFile({
        type: "asset",
        fileName: MANIFEST_FILE,
        source: JSON.stringify(trustedDocuments(source), null, 2) + "\n",
      });
    },
  };
}

// The build lands inside the Python package, so that the wheel ships it and
// goalgate serves it at /dashboard/ (src/goalgate/api/dashboard/routes.py).
export default defineConfig({
  // Relative URLs: the page works under whatever prefix serves /dashboard/.
  base: "./",
  plugins: [trustedDocumentsManifest()],
  build: {
    outDir: "../src/goalgate/api/dashboard/static",
    emptyOutDir: true,
    assetsDir: "assets",
    // No inline scripts or styles: the route's CSP allows 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
  // `npm run dev`: this folder on :5173, with /graphql (and its WebSocket)
  // passed to a goalgate on :8000 (`make run`), so the page stays same-origin.
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.{ts,tsx}"],
  },
});
