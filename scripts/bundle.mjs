// Bundles every entry point in src/entrypoints/ with ncc into dist/<name>/index.js.
// GitHub runs dist/, not src/, so CI rebuilds and fails when the committed bundles differ.
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";

const entryDir = "src/entrypoints";
const entries = readdirSync(entryDir).filter((name) => name.endsWith(".ts"));
rmSync("dist", { recursive: true, force: true });
for (const entry of entries) {
  const name = basename(entry, ".ts");
  execFileSync(
    process.execPath,
    [
      "node_modules/@vercel/ncc/dist/ncc/cli.js",
      "build",
      join(entryDir, entry),
      "--out",
      join("dist", name),
      "--no-source-map-register",
      "--license",
      "licenses.txt",
      "--quiet",
    ],
    { stdio: "inherit" },
  );
}
console.log(`bundled ${entries.length} entry points into dist/`);
