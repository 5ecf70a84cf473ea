// Runs every test/**/*.test.ts and tools/github-server/**/*.test.ts file with Node's test runner
// (tsx loads TypeScript). Node 20's --test does not expand globs itself, so the files are listed
// here. Usage: npm test [-- <path fragment> ...] to run only the files whose path contains a
// fragment.
//
// Many tests run the bundles in dist/, so it refuses to start when dist/ is older than what it is
// bundled from: a test would otherwise pass or fail on code that is no longer the source.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";

const TEST_ROOTS = ["test", "tools/github-server"];

function findFiles(dir, keep) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : findFiles(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

// What `npm run bundle` reads: the sources, the locked dependencies and the bundler script.
const BUNDLE_INPUTS = ["src", "package-lock.json", "scripts/bundle.mjs"];
// A checkout writes dist/ before src/ (git writes in path order), so a fresh clone or a checkout
// that changes both leaves src/ a few hundred milliseconds newer than dist/. Sources at most this
// much newer than the oldest bundle count as written together with it.
const SAME_CHECKOUT_MS = 2000;

/** Why dist/ cannot be trusted for the sources on disk, or undefined when it can. */
function staleBundles() {
  const entries = readdirSync("src/entrypoints").filter((name) => name.endsWith(".ts"));
  let oldest;
  for (const entry of entries) {
    const bundle = join("dist", basename(entry, ".ts"), "index.js");
    if (!existsSync(bundle)) return `${bundle} is missing`;
    const mtimeMs = statSync(bundle).mtimeMs;
    if (oldest === undefined || mtimeMs < oldest.mtimeMs) oldest = { path: bundle, mtimeMs };
  }
  if (oldest === undefined) return undefined;
  let newest;
  for (const input of BUNDLE_INPUTS) {
    const files = statSync(input).isDirectory() ? findFiles(input, () => true) : [input];
    for (const path of files) {
      const mtimeMs = statSync(path).mtimeMs;
      if (newest === undefined || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
    }
  }
  if (newest === undefined || newest.mtimeMs - oldest.mtimeMs <= SAME_CHECKOUT_MS) return undefined;
  return `dist/ is older than src/: ${newest.path} changed after ${oldest.path} was bundled`;
}

const stale = staleBundles();
if (stale !== undefined) {
  console.error(`${stale}. Run \`npm run bundle\` first: the tests run the bundles in dist/.`);
  process.exit(1);
}

const filters = process.argv.slice(2);
const files = TEST_ROOTS.flatMap((root) => findFiles(root, (name) => name.endsWith(".test.ts")))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(
    `No test files match ${filters.join(", ") || TEST_ROOTS.map((r) => `${r}/**/*.test.ts`).join(", ")}.`,
  );
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
