import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  parseRawDiff,
  type RawDiffEntry,
  rawDiffArgs,
  specialChanges,
} from "../../src/git/diff-raw.js";
import { type Sandbox, sandbox, writeFiles } from "./helpers.js";

let box: Sandbox;
let counter = 0;
before(() => {
  box = sandbox("goal-diff-raw-");
});
after(() => box.cleanup());

/** A throwaway repository with helpers to change its tree, commit, and read the raw diff. */
function repository(options: { objectFormat?: "sha256" } = {}) {
  const dir = box.path(`repo${++counter}`);
  const format = options.objectFormat ? [`--object-format=${options.objectFormat}`] : [];
  box.git(box.root, "init", "--quiet", ...format, dir);
  return {
    dir,
    write: (files: Record<string, string>) => writeFiles(dir, files),
    link(path: string, target: string) {
      const file = join(dir, path);
      mkdirSync(dirname(file), { recursive: true });
      rmSync(file, { force: true });
      symlinkSync(target, file);
    },
    remove: (path: string) => rmSync(join(dir, path), { force: true }),
    git: (...args: string[]) => box.git(dir, ...args),
    /** Commits the work tree as it is, or with `indexOnly` the index as it is; returns the sha. */
    commit(message: string, indexOnly = false): string {
      if (!indexOnly) box.git(dir, "add", "--all");
      box.git(dir, "commit", "--quiet", "--allow-empty", "-m", message);
      return box.git(dir, "rev-parse", "HEAD");
    },
    /** Untrimmed stdout of `git <args>`: the last path may end in white space. */
    run: (...args: string[]) =>
      execFileSync("git", args, { cwd: dir, env: box.env, encoding: "utf8" }),
    raw(range: string, ...config: string[]): RawDiffEntry[] {
      return parseRawDiff(this.run(...config, ...rawDiffArgs(range)));
    },
  };
}

const entry = (
  status: string,
  oldMode: string,
  newMode: string,
  path: string,
  oldPath: string | null = null,
): RawDiffEntry => ({ status, oldMode, newMode, path, oldPath });

describe("parseRawDiff and specialChanges on real git output", () => {
  it("see symbolic links added, retargeted, removed, and made from or into files", () => {
    const repo = repository();
    repo.write({ "plain.txt": "plain\n", "keep.txt": "keep\n", "to-link.txt": "soon a link\n" });
    repo.link("was-link", "plain.txt");
    repo.link("retarget", "plain.txt");
    repo.link("gone", "plain.txt");
    repo.link("same", "plain.txt");
    const base = repo.commit("base");
    repo.link("new-link", "../somewhere/else/entirely");
    repo.link("to-link.txt", "plain.txt");
    repo.remove("was-link");
    repo.write({ "was-link": "now a file\n", "keep.txt": "keep, changed\n" });
    repo.link("retarget", "keep.txt");
    repo.remove("gone");
    const head = repo.commit("links");

    const entries = repo.raw(`${base}...${head}`);
    assert.deepEqual(entries, [
      entry("D", "120000", "000000", "gone"),
      entry("M", "100644", "100644", "keep.txt"),
      entry("A", "000000", "120000", "new-link"),
      entry("M", "120000", "120000", "retarget"),
      entry("T", "100644", "120000", "to-link.txt"),
      entry("T", "120000", "100644", "was-link"),
    ]);
    assert.deepEqual(specialChanges(entries), {
      links: ["gone", "new-link", "retarget", "to-link.txt", "was-link"],
      submodules: [],
    });
  });

  it("see submodules added, moved, removed and made from a file, whatever ignore settings say", () => {
    const repo = repository();
    // Both of these would hide gitlink changes from a plain git diff.
    repo.write({
      ".gitmodules": '[submodule "lib"]\n\tpath = vendor/lib\n\turl = ./lib\n\tignore = all\n',
      lib2: "a file, then a submodule\n",
    });
    repo.git("config", "diff.ignoreSubmodules", "all");
    const base = repo.commit("base");
    repo.git("update-index", "--add", "--cacheinfo", `160000,${base},vendor/lib`);
    const added = repo.commit("add submodule", true);
    repo.git("update-index", "--cacheinfo", `160000,${added},vendor/lib`);
    const moved = repo.commit("move submodule", true);
    repo.git("update-index", "--force-remove", "vendor/lib");
    repo.git("rm", "--quiet", "--cached", "lib2");
    repo.git("update-index", "--add", "--cacheinfo", `160000,${base},lib2`);
    const removed = repo.commit("remove submodule, file to submodule", true);

    const hidden = ["diff", "--raw", "-z", "-M", "--no-abbrev", `${base}...${added}`, "--"];
    assert.equal(repo.run(...hidden), "", "git hides it without --ignore-submodules=none");
    assert.deepEqual(repo.raw(`${base}...${added}`), [
      entry("A", "000000", "160000", "vendor/lib"),
    ]);
    assert.deepEqual(repo.raw(`${added}...${moved}`), [
      entry("M", "160000", "160000", "vendor/lib"),
    ]);
    const last = repo.raw(`${moved}...${removed}`);
    assert.deepEqual(last, [
      entry("T", "100644", "160000", "lib2"),
      entry("D", "160000", "000000", "vendor/lib"),
    ]);
    assert.deepEqual(specialChanges(last), { links: [], submodules: ["lib2", "vendor/lib"] });
    // Added and moved since base: one addition.
    assert.deepEqual(repo.raw(`${base}...${moved}`), [
      entry("A", "000000", "160000", "vendor/lib"),
    ]);
  });

  it("read renames with both paths, and a renamed link counts under both", () => {
    const repo = repository();
    const guide = Array.from({ length: 40 }, (_, i) => `line ${i} of the guide\n`).join("");
    repo.write({ "docs/guide.md": guide, "tools/run.sh": "echo run\n" });
    repo.link("bin/run", "../tools/run.sh");
    const base = repo.commit("base");
    repo.git("mv", "docs/guide.md", "docs/user guide.md");
    repo.write({ "docs/user guide.md": `${guide}one more line\n` });
    repo.git("mv", "bin/run", "bin/start");
    const head = repo.commit("renames");

    const entries = repo.raw(`${base}...${head}`);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.equal(entries.length, 2);
    assert.deepEqual(
      byPath.get("bin/start"),
      entry("R", "120000", "120000", "bin/start", "bin/run"),
    );
    const renamed = byPath.get("docs/user guide.md");
    assert.equal(renamed?.status, "R");
    assert.equal(renamed?.oldPath, "docs/guide.md");
    assert.deepEqual(specialChanges(entries), { links: ["bin/run", "bin/start"], submodules: [] });
  });

  it("keep paths with spaces, newlines, tabs, quotes and non-ASCII characters as they are", () => {
    const repo = repository();
    const names = [
      "with space.txt",
      "new\nline.txt",
      "tab\there.txt",
      'quote"d.txt',
      "back\\slash.txt",
      "naïve/日本語.md",
      ":colon first",
      "-dash first",
      "ends in space ",
    ];
    repo.write({ "old\nname.txt": "moved with a newline in its name\n" });
    const base = repo.commit("base");
    repo.write(Object.fromEntries(names.map((name) => [name, `${name}\n`])));
    repo.link("link\nnamed ü", "naïve/日本語.md");
    repo.git("mv", "old\nname.txt", "new\nname ü.txt");
    const head = repo.commit("odd names");

    const entries = repo.raw(`${base}...${head}`);
    const added = entries.filter((e) => e.status === "A").map((e) => e.path);
    assert.deepEqual(added.sort(), [...names, "link\nnamed ü"].sort());
    assert.deepEqual(
      entries.find((e) => e.status === "R"),
      entry("R", "100644", "100644", "new\nname ü.txt", "old\nname.txt"),
    );
    assert.deepEqual(specialChanges(entries).links, ["link\nnamed ü"]);
  });

  it("read SHA-256 repositories", () => {
    const repo = repository({ objectFormat: "sha256" });
    repo.write({ a: "a\n" });
    const base = repo.commit("base");
    repo.link("l", "a");
    const head = repo.commit("link");
    assert.deepEqual(repo.raw(`${base}...${head}`), [entry("A", "000000", "120000", "l")]);
  });

  it("read no changes as no entries", () => {
    const repo = repository();
    repo.write({ a: "a\n" });
    const base = repo.commit("base");
    assert.equal(repo.run(...rawDiffArgs(`${base}...${base}`)), "");
    assert.deepEqual(repo.raw(`${base}...${base}`), []);
    assert.deepEqual(specialChanges([]), { links: [], submodules: [] });
  });

  it("refuse output of another command line rather than skip what they cannot read", () => {
    const repo = repository();
    repo.write({ a: "a\n" });
    const base = repo.commit("base");
    repo.link("l", "a");
    const head = repo.commit("link");
    const range = `${base}...${head}`;
    assert.throws(
      () => parseRawDiff(repo.run("diff", "--raw", "--no-abbrev", range)),
      /does not end with a NUL/,
    );
    assert.throws(
      () => parseRawDiff(repo.run("diff", "--raw", "-z", "--abbrev=7", range)),
      /a record starts with ":000000 120000 0000000 /,
    );
    assert.throws(
      () => parseRawDiff(repo.run("diff", "--numstat", "-z", range)),
      /Unexpected git diff --raw output/,
    );
  });
});

describe("parseRawDiff on cut-off records", () => {
  const sha = "a".repeat(40);
  it("throws when a path is missing", () => {
    assert.throws(() => parseRawDiff(`:100644 100644 ${sha} ${sha} M\0`), /M record lacks a path/);
    assert.throws(
      () => parseRawDiff(`:100644 100644 ${sha} ${sha} R090\0old\0`),
      /R record lacks a path/,
    );
    assert.throws(
      () => parseRawDiff(`:100644 100644 ${sha} ${sha} M\0\0`),
      /M record lacks a path/,
    );
  });
});

describe("specialChanges", () => {
  it("lists a path once, sorted, however many entries name it", () => {
    const entries = [
      entry("M", "120000", "120000", "z"),
      entry("R", "120000", "120000", "b", "z"),
      entry("M", "160000", "160000", "sub"),
      entry("M", "100755", "100644", "script"),
      entry("A", "000000", "120000", "a"),
    ];
    assert.deepEqual(specialChanges(entries), { links: ["a", "b", "z"], submodules: ["sub"] });
  });
});

describe("rawDiffArgs", () => {
  it("is the command line parseRawDiff reads, and takes no option for a range", () => {
    assert.deepEqual(rawDiffArgs("origin/main...HEAD"), [
      "diff",
      "--raw",
      "-z",
      "-M",
      "--no-abbrev",
      "--ignore-submodules=none",
      "origin/main...HEAD",
      "--",
    ]);
    assert.throws(() => rawDiffArgs("--output=x"), /Not a revision range/);
    assert.throws(() => rawDiffArgs(""), /Not a revision range/);
  });
});
