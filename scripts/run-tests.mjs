// Runs every test/**/*.test.ts and tools/github-server/**/*.test.ts file with Node's test runner
// (tsx loads TypeScript). Node 20's --test does not expand globs itself, so the files are listed
// here. Usage: npm test [-- <path fragment> ...] to run only the files whose path contains a
// fragment.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const TEST_ROOTS = ["test", "tools/github-server"];

function findFiles(dir, keep) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : findFiles(path, keep);
    return keep(entry.name) ? [path] : [];
  });
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
