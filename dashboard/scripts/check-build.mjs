// Builds the dashboard into a temporary folder and compares it, file by file,
// with the build committed under src/goalgate/api/dashboard/static: a source
// change without `make dashboard` (or a hand-edited build) fails here, and in
// tests/integration/test_dashboard_build.py through the manifest's hashes.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(root, "..", "src", "goalgate", "api", "dashboard", "static");
const MANIFEST = "build-manifest.json";

function files(dir, base = dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files(full, base, out);
    else out.push(relative(base, full).split(sep).join("/"));
  }
  return out.filter((path) => path !== MANIFEST);
}

const fresh = mkdtempSync(join(tmpdir(), "goalgate-dashboard-"));
try {
  await build({ root, logLevel: "warn", build: { outDir: fresh, emptyOutDir: true } });
  const built = files(fresh);
  const kept = files(committed);
  const problems = [];
  for (const path of built) {
    if (!kept.includes(path)) problems.push(`missing from the committed build: ${path}`);
    else if (!readFileSync(join(fresh, path)).equals(readFileSync(join(committed, path)))) problems.push(`differs: ${path}`);
  }
  for (const path of kept) if (!built.includes(path)) problems.push(`stale file in the committed build: ${path}`);
  if (problems.length) {
    console.error(`The committed dashboard build does not match its sources; run \`make dashboard\` and commit:\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  } else {
    console.log(`check-build: the committed build matches its sources (${built.length} files)`);
  }
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
