// Copies the pinned GraphiQL builds from node_modules into goalgate's package, with a
// manifest (each file's package, version and SHA-384) and every bundled package's licence.
//
// Run through `make graphiql-assets` (npm ci first, so node_modules is exactly the lock).
// Output: src/goalgate/api/graphql/static/graphiql/vendor/. Deterministic: running it again
// on the same lock rewrites the same bytes.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(root, "src", "goalgate", "api", "graphql", "static", "graphiql", "vendor");

// What the page loads: the UMD builds (react and react-dom as globals, then GraphiQL on them).
const FILES = [
  ["react", "umd/react.production.min.js"],
  ["react-dom", "umd/react-dom.production.min.js"],
  ["graphiql", "graphiql.min.js"],
  ["graphiql", "graphiql.min.css"],
];

const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));

function installedVersion(name) {
  return JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;
}

for (const [name, pinned] of Object.entries(pkg.dependencies)) {
  if (!/^\d+\.\d+\.\d+$/.test(pinned)) throw new Error(`${name} must be pinned exactly, not ${pinned}`);
  if (installedVersion(name) !== pinned) {
    throw new Error(`node_modules has ${name} ${installedVersion(name)}, package.json pins ${pinned}: run npm ci`);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const files = {};
for (const [name, source] of FILES) {
  const version = pkg.dependencies[name];
  const target = `${name}@${version}/${source.split("/").pop()}`;
  mkdirSync(join(out, dirname(target)), { recursive: true });
  copyFileSync(join(here, "node_modules", name, source), join(out, target));
  const sha384 = createHash("sha384").update(readFileSync(join(out, target))).digest("base64");
  files[target] = { package: name, version, source: `${name}/${source}`, sha384: `sha384-${sha384}` };
}

// graphiql.min.js bundles its whole dependency tree, so every package in the lock ships.
const LICENCE = /^(licen[cs]e|copying)(\.(md|txt))?$/i;
const sections = [];
const packages = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith("node_modules/"))
  .map(([path, meta]) => [path.slice("node_modules/".length), meta])
  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
for (const [name, meta] of packages) {
  const dir = join(here, "node_modules", name);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const licence = readdirSync(dir).filter((file) => LICENCE.test(file)).sort()[0];
  const text = licence
    ? readFileSync(join(dir, licence), "utf8").trim()
    : `(the package ships no licence file; its package.json declares ${manifest.license})`;
  sections.push(`${name}@${meta.version} (${manifest.license ?? meta.license})\n\n${text}\n`);
}
const rule = `\n${"=".repeat(78)}\n\n`;
writeFileSync(
  join(out, "THIRD_PARTY_LICENSES.txt"),
  "Licences of the packages in goalgate's vendored GraphiQL assets (frontend/graphiql/package-lock.json).\n" +
    rule +
    sections.join(rule),
);

const manifest = {
  comment: "Written by frontend/graphiql/vendor.mjs (make graphiql-assets); do not edit.",
  packages: pkg.dependencies,
  files,
};
writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
if (!existsSync(join(out, "manifest.json"))) throw new Error("manifest not written");
console.log(`vendored ${Object.keys(files).length} files and ${sections.length} licences into ${out}`);
