import { defineConfig } from "vitest/config";

// The build lands inside the Python package, so that the wheel ships it and
// goalgate serves it at /dashboard/ (src/goalgate/api/dashboard/routes.py).
export default defineConfig({
  // Relative URLs: the page works under whatever prefix serves /dashboard/.
  base: "./",
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
