// README.md's "## Architecture" section names every file under src/, each with a line on what it
// owns (issue 14). This test keeps the two in step: a file added, moved or renamed under src/
// fails it until the section lists it, and the section can never name a file that is gone.
//
// The section's fenced block is read as a list: a line starting at column 0 with `src/…/` opens
// a folder, and a line indented by exactly two spaces under it is an entry, `name.ts` (a file
// of that folder) or `name/` (a subfolder named as a whole), followed by what it owns. Every
// other `*.ts` the section mentions must exist too: a bare name in the folder it sits under, a
// path from the repository root or from src/.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Folders the section may name as a whole instead of file by file. */
const NAMED_AS_FOLDER = ["src/stats/vendor", "src/entrypoints"];
/** The folder whose files are named by their entry names (`goal-create`) in its own lines. */
const ENTRY_POINTS = "src/entrypoints";

interface Comparison {
  /** Files under src/ (or folders named as a whole) the section does not name. */
  missing: string[];
  /** Files and folders the section names that do not exist, with the README line naming them. */
  extra: string[];
}

/** Every file under `dir` (repository-relative, `/`-separated), in order. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      return entry.isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}

const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1);
const inFolder = (path: string, folder: string) => path.startsWith(`${folder}/`);

/**
 * Compares README.md's Architecture section with the `.ts` files under src/. `exists` says
 * whether a repository-relative path (file or folder) exists.
 */
function compareWithSrc(
  readme: string,
  srcFiles: readonly string[],
  exists: (path: string) => boolean,
): Comparison {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => /^## Architecture\s*$/.test(line));
  assert.notEqual(start, -1, 'README.md has no "## Architecture" section');
  const next = lines.findIndex((line, index) => index > start && /^## /.test(line));
  const end = next === -1 ? lines.length : next;

  const listed = new Map<string, number>();
  const folders = new Map<string, { line: number; text: string }>();
  const extra: string[] = [];
  let inBlock = false;
  let folder: string | null = null;

  for (let index = start + 1; index < end; index++) {
    const line = lines[index] ?? "";
    const where = `README.md:${index + 1}`;
    if (line.startsWith("```")) {
      inBlock = !inBlock;
      folder = null;
      continue;
    }
    let entry: string | null = null;
    if (inBlock) {
      const header = /^(src\/\S*?)\/?(?:\s|$)/.exec(line);
      const item = /^ {2}(?! )(\S+)/.exec(line);
      if (header?.[1] !== undefined) {
        folder = header[1];
        folders.set(folder, { line: index + 1, text: line });
      } else if (/^\S/.test(line)) {
        folder = null;
      } else if (folder !== null && item?.[1] !== undefined) {
        entry = item[1];
        if (entry.endsWith("/")) {
          folders.set(`${folder}/${entry.slice(0, -1)}`, { line: index + 1, text: line });
        } else {
          listed.set(`${folder}/${entry}`, index + 1);
        }
      } else if (folder !== null) {
        const named = folders.get(folder);
        if (named !== undefined) named.text += `\n${line}`;
      }
    }
    // Any other *.ts the line mentions, in its description or in prose.
    const text = entry === null ? line : line.slice(2 + entry.length);
    for (const [mention] of text.matchAll(/[\w./-]+\.ts(?!\w)/g)) {
      const found = mention.includes("/")
        ? exists(mention) || exists(`src/${mention}`)
        : folder !== null
          ? exists(`${folder}/${mention}`)
          : srcFiles.some((path) => basename(path) === mention);
      if (!found)
        extra.push(`${mention} (${where}: no such file${folder ? ` in ${folder}/` : ""})`);
    }
  }

  for (const [path, line] of listed) {
    if (!exists(path)) extra.push(`${path} (README.md:${line})`);
  }
  for (const [path, { line }] of folders) {
    if (!exists(path)) extra.push(`${path}/ (README.md:${line})`);
  }

  const missing: string[] = [];
  for (const path of srcFiles) {
    const whole = NAMED_AS_FOLDER.find((named) => inFolder(path, named));
    if (whole === undefined) {
      if (!listed.has(path)) missing.push(path);
    } else if (!folders.has(whole)) {
      if (!missing.includes(`${whole}/`)) missing.push(`${whole}/`);
    } else if (whole === ENTRY_POINTS) {
      const name = basename(path).replace(/\.ts$/, "");
      const text = folders.get(whole)?.text ?? "";
      const word = new RegExp(
        `(?<![\\w-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`,
      );
      if (!word.test(text)) missing.push(`${path} (its entry name "${name}" under ${whole}/)`);
    }
  }
  return { missing, extra };
}

function report(comparison: Comparison): { missing: string; extra: string } {
  const list = (paths: readonly string[]) => paths.map((path) => `  ${path}`).join("\n");
  return {
    missing:
      "README.md's Architecture section does not name these files under src/; add a line for " +
      `each under its folder ("  name.ts   what it owns"):\n${list(comparison.missing)}`,
    extra:
      "README.md's Architecture section names files or folders that do not exist; rename or " +
      `remove them:\n${list(comparison.extra)}`,
  };
}

describe("README.md's Architecture section", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const srcFiles = filesUnder("src").filter((path) => path.endsWith(".ts"));
  const comparison = compareWithSrc(readme, srcFiles, (path) => existsSync(join(ROOT, path)));
  const messages = report(comparison);

  it("names every .ts file under src/", () => {
    assert.deepEqual(comparison.missing, [], messages.missing);
  });

  it("names no .ts file or folder that does not exist", () => {
    assert.deepEqual(comparison.extra, [], messages.extra);
  });
});

describe("the Architecture section check", () => {
  const files = [
    "src/core/a.ts",
    "src/core/b.ts",
    "src/stats/report.ts",
    "src/stats/vendor/chart-js.ts",
    "src/entrypoints/goal.ts",
    "src/entrypoints/goal-create.ts",
  ];
  const exists = (path: string) =>
    files.includes(path) || files.some((file) => inFolder(file, path)) || path === "scripts/x.ts";
  const readme = (block: string, intro = "") =>
    `# x\n\n## Architecture\n\n${intro}\`\`\`\n${block}\n\`\`\`\n\n## Next\n\nsrc/core/zzz.ts\n`;
  const complete = [
    "src/core/   pure",
    "  a.ts      owns a, over b.ts",
    "  b.ts      owns b",
    "src/stats/  stats",
    "  report.ts  the report",
    "  vendor/    vendored Chart.js",
    "src/entrypoints/  goal, goal-create",
    "tools/x/    see scripts/x.ts",
  ].join("\n");

  it("passes a section that names every file, and reads nothing after the section", () => {
    assert.deepEqual(compareWithSrc(readme(complete), files, exists), { missing: [], extra: [] });
  });

  it("lists the files, folders and entry names left out", () => {
    const block = complete
      .replace("  b.ts      owns b\n", "")
      .replace("  vendor/    vendored Chart.js\n", "")
      .replace("goal, goal-create", "goal");
    assert.deepEqual(compareWithSrc(readme(block), files, exists).missing, [
      "src/core/b.ts",
      "src/stats/vendor/",
      'src/entrypoints/goal-create.ts (its entry name "goal-create" under src/entrypoints/)',
    ]);
  });

  it("lists what the section names that does not exist, wherever it is mentioned", () => {
    const block = `${complete.replace("owns b", "owns b\n  old.ts    gone")}
src/gone/  a folder
  c.ts  see report.ts`;
    const { extra } = compareWithSrc(readme(block, "See core/d.ts and a.ts.\n\n"), files, exists);
    assert.deepEqual(extra, [
      "core/d.ts (README.md:5: no such file)",
      "report.ts (README.md:18: no such file in src/gone/)",
      "src/core/old.ts (README.md:11)",
      "src/gone/c.ts (README.md:18)",
      "src/gone/ (README.md:17)",
    ]);
  });
});
