// Bundles every entry point in src/entrypoints/ with ncc into dist/<name>/index.js.
// GitHub runs dist/, not src/, so CI rebuilds and fails when the committed bundles differ.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";

const entryDir = "src/entrypoints";
const entries = readdirSync(entryDir).filter((name) => name.endsWith(".ts"));
// Bundles are built beside dist/ and swapped in one entry at a time, so a test running a bundle
// while another process rebundles never finds dist/ half empty.
const staging = `dist.staging-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
for (const entry of entries) {
  const name = basename(entry, ".ts");
  execFileSync(
    process.execPath,
    [
      "node_modules/@vercel/ncc/dist/ncc/cli.js",
      "build",
      join(entryDir, entry),
      "--out",
      join(staging, name),
      "--no-source-map-register",
      "--license",
      "licenses.txt",
      "--quiet",
    ],
    { stdio: "inherit" },
  );
}
mkdirSync("dist", { recursive: true });
for (const name of readdirSync("dist")) {
  if (!existsSync(join(staging, name)))
    rmSync(join("dist", name), { recursive: true, force: true });
}
for (const name of readdirSync(staging)) {
  const old = join(staging, `${name}.old`);
  if (existsSync(join("dist", name))) renameSync(join("dist", name), old);
  renameSync(join(staging, name), join("dist", name));
  rmSync(old, { recursive: true, force: true });
}
rmSync(staging, { recursive: true, force: true });
console.log(`bundled ${entries.length} entry points into dist/`);
