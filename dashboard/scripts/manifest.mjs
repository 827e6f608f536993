// After `vite build`: writes build-manifest.json next to the built files, with
// the SHA-256 of every source the build reads and of every file it wrote.
// tests/integration/test_dashboard_build.py recomputes both from the checkout,
// so a commit that changes a source without rebuilding (or edits the build by
// hand) fails `make test`.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "..", "src", "goalgate", "api", "dashboard", "static");
const MANIFEST = "build-manifest.json";

// What the build reads, relative to dashboard/ (src/gql is generated from
// ../schema.graphql and src/graphql by scripts/codegen.mjs, so it is left out).
export const RULE = {
  files: ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"],
  dirs: ["public", "scripts", "src"],
  exclude: ["src/gql"],
};

const posix = (path) => path.split(sep).join("/");
const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

function walk(dir, base, skip, out) {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const rel = posix(relative(base, full));
    if (skip.includes(rel)) continue;
    if (statSync(full).isDirectory()) walk(full, base, skip, out);
    else out.push(rel);
  }
  return out;
}

function hashes(base, paths) {
  return Object.fromEntries(paths.sort().map((p) => [p, sha256(join(base, p))]));
}

const inputs = [...RULE.files];
for (const dir of RULE.dirs) {
  if (existsSync(join(root, dir))) walk(join(root, dir), root, RULE.exclude, inputs);
}
const outputs = walk(outDir, outDir, [MANIFEST], []);

const manifest = {
  about: "Written by dashboard/scripts/manifest.mjs after `vite build`; checked by tests/integration/test_dashboard_build.py.",
  rule: RULE,
  inputs: hashes(root, inputs),
  outputs: hashes(outDir, outputs),
};
writeFileSync(join(outDir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
console.log(`manifest: ${Object.keys(manifest.inputs).length} sources, ${outputs.length} built files`);
