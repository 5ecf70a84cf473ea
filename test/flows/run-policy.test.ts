import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AgentResult } from "../../src/agent/launch.js";
import { readAgentStatsLine } from "../../src/agent/stats.js";
import { DEFAULT_SPOT_CHECK_PATHS, resolveSettings } from "../../src/core/settings.js";
import {
  judgeRun,
  matchesGlob,
  type PolicyDiff,
  type VerdictInput,
} from "../../src/flows/run-policy.js";

const exited = (exitCode: number | null, exitReason: AgentResult["exitReason"] = "exited") => ({
  exitCode,
  signal: null,
  exitReason,
  durationSeconds: 10,
  outputBytes: 0,
  lastLines: [],
});

function change(overrides: Partial<PolicyDiff> = {}): PolicyDiff {
  return {
    linesAdded: 3,
    linesDeleted: 1,
    paths: ["src/a.ts"],
    links: [],
    submodules: [],
    ...overrides,
  };
}

function input(overrides: Partial<VerdictInput> = {}): VerdictInput {
  return {
    agent: exited(0),
    agentEnded: "the agent exited with status 0 after 10s",
    stats: null,
    commitsAhead: 1,
    diff: change(),
    spotCheckLabel: false,
    spotCheckPaths: [],
    spotCheckMaxLines: null,
    ...overrides,
  };
}

describe("judgeRun", () => {
  it("success needs exit 0 and commits", () => {
    assert.equal(judgeRun(input()).outcome, "success");
    assert.match(judgeRun(input({ commitsAhead: 0 })).reason, /no changes/);
  });

  it("fails on other exits, timeouts and a ralph timeout without commits", () => {
    assert.equal(judgeRun(input({ agent: exited(1) })).outcome, "failure");
    assert.equal(judgeRun(input({ agent: exited(null, "timeout") })).outcome, "failure");
    assert.equal(judgeRun(input({ agent: exited(null, "idle-timeout") })).outcome, "failure");
    assert.equal(judgeRun(input({ agent: exited(null, "spawn-failed") })).outcome, "failure");
    const stats = readAgentStatsLine('{"exit_reason":"timeout"}')?.stats ?? null;
    const verdict = judgeRun(input({ stats, commitsAhead: 0 }));
    assert.equal(verdict.outcome, "failure");
    assert.match(verdict.reason, /exit_reason timeout/);
    // With commits, a ralph timeout that exited 0 still delivers its work.
    assert.equal(judgeRun(input({ stats })).outcome, "success");
  });

  it("an interrupted agent is interrupted, not failed", () => {
    assert.equal(judgeRun(input({ agent: exited(null, "interrupted") })).outcome, "interrupted");
  });

  it("asks for review on exit 3, the flag label, matching paths and too many lines", () => {
    assert.match(judgeRun(input({ agent: exited(3) })).reason, /exit status 3/);
    assert.match(judgeRun(input({ spotCheckLabel: true })).reason, /spot-check label/);
    assert.match(
      judgeRun(input({ spotCheckPaths: ["src/**"] })).reason,
      /spot-check-paths: src\/a\.ts/,
    );
    const lines = judgeRun(input({ spotCheckMaxLines: 3 }));
    assert.equal(lines.outcome, "spot-check");
    assert.match(lines.reason, /changes 4 lines, more than spot-check-max-lines \(3\)/);
    assert.equal(judgeRun(input({ spotCheckMaxLines: 4 })).outcome, "success");
    // Exit 3 without any change is still a failure: there is nothing to review.
    assert.equal(judgeRun(input({ agent: exited(3), commitsAhead: 0 })).outcome, "failure");
  });
});

describe("the default spot-check paths", () => {
  const judge = (paths: string[], spotCheckPaths: readonly string[] = DEFAULT_SPOT_CHECK_PATHS) =>
    judgeRun(input({ diff: change({ paths }), spotCheckPaths }));

  it("send workflows, the settings file, CODEOWNERS at any depth and .gitmodules to review", () => {
    const cases: [string, RegExp][] = [
      [".github/workflows/x.yml", /spot-check-paths: \.github\/workflows\/x\.yml$/],
      [".github/goal-orchestrator.yml", /spot-check-paths: \.github\/goal-orchestrator\.yml$/],
      ["docs/CODEOWNERS", /spot-check-paths: docs\/CODEOWNERS$/],
      ["CODEOWNERS", /spot-check-paths: CODEOWNERS$/],
      [".gitmodules", /spot-check-paths: \.gitmodules$/],
      ["src/.gitattributes", /spot-check-paths: src\/\.gitattributes$/],
    ];
    for (const [path, reason] of cases) {
      const verdict = judge(["src/a.ts", path]);
      assert.equal(verdict.outcome, "spot-check", path);
      assert.match(verdict.reason, reason);
    }
  });

  it("let other changes merge", () => {
    assert.equal(
      judge(["src/a.ts", "src/.github/notes.md", "docs/CODEOWNERS.md"]).outcome,
      "success",
    );
  });

  it("are what an unset setting gives, and an explicit empty list or none turns them off", () => {
    const workflow = [".github/workflows/x.yml"];
    const paths = (explicit: Record<string, unknown>, file: Record<string, unknown> | null) =>
      resolveSettings({ explicit, file }).spotCheckPaths;
    // An unset action input is "": the defaults apply.
    assert.equal(judge(workflow, paths({ "spot-check-paths": "" }, null)).outcome, "spot-check");
    for (const off of [
      paths({ "spot-check-paths": "none" }, null),
      paths({}, { "spot-check-paths": [] }),
      paths({}, { "spot-check-paths": null }),
      paths({}, { "spot-check-paths": "none" }),
    ]) {
      assert.deepEqual(off, []);
      assert.equal(judge(workflow, off).outcome, "success");
    }
    // A list of its own replaces the defaults rather than adding to them.
    assert.equal(
      judge(workflow, paths({ "spot-check-paths": "src/auth/**" }, null)).outcome,
      "success",
    );
  });
});

describe("symbolic links and submodules", () => {
  it("go to review, with the paths named", () => {
    const links = judgeRun(input({ diff: change({ links: ["bin/tool", "docs/readme"] }) }));
    assert.equal(links.outcome, "spot-check");
    assert.equal(links.reason, "it adds or changes symbolic links: bin/tool, docs/readme");
    const submodules = judgeRun(input({ diff: change({ submodules: ["vendor/lib"] }) }));
    assert.equal(submodules.outcome, "spot-check");
    assert.equal(submodules.reason, "it changes submodules: vendor/lib");
  });

  it("show at most five paths", () => {
    const links = ["a", "b", "c", "d", "e", "f"];
    assert.equal(
      judgeRun(input({ diff: change({ links }) })).reason,
      "it adds or changes symbolic links: a, b, c, d, e, …",
    );
  });

  it("stay on with spot-check-paths turned off", () => {
    // Not a path rule: a link or a submodule can bring in any content from any path, so an
    // empty spot-check-paths (or none) does not switch it off.
    const diff = change({ paths: ["a", "vendor/lib"], links: ["a"], submodules: ["vendor/lib"] });
    const verdict = judgeRun(input({ diff, spotCheckPaths: [] }));
    assert.equal(verdict.outcome, "spot-check");
    assert.equal(
      verdict.reason,
      "it adds or changes symbolic links: a; it changes submodules: vendor/lib",
    );
  });

  it("come after the other reasons", () => {
    const diff = change({ paths: [".github/x.yml"], links: ["l"], submodules: ["s"] });
    const verdict = judgeRun(
      input({ diff, spotCheckLabel: true, spotCheckPaths: [".github/**"], spotCheckMaxLines: 1 }),
    );
    assert.equal(
      verdict.reason,
      "the goal has the spot-check label; it changes paths listed in spot-check-paths: .github/x.yml; it adds or changes symbolic links: l; it changes submodules: s; it changes 4 lines, more than spot-check-max-lines (1)",
    );
  });
});

describe("matchesGlob: spot-check-paths patterns read as .gitignore and CODEOWNERS lines", () => {
  const cases: [string, string, boolean][] = [
    // `**` crosses folders, and a `**` segment may match none; `*` and `?` stay in one segment
    [".github/workflows/ci.yml", ".github/**", true],
    ["src/a/b/c.ts", "src/**/*.ts", true],
    ["src/c.ts", "src/**/*.ts", true],
    ["lib/c.ts", "src/**/*.ts", false],
    ["a/b/c/d.txt", "a/**/d.txt", true],
    ["deep/down/x.snap", "**/*.snap", true],
    ["x.snap", "**/*.snap", true],
    ["src/c.tsx", "src/*.ts", false],
    ["src/a/c.ts", "src/*.ts", false],
    ["a.md", "?.md", true],
    ["ab.md", "?.md", false],
    ["a1.txt", "a[0-9].txt", true],
    // a `/` at the start or in the middle anchors the pattern to the root
    ["src/.github/x", ".github/**", false],
    [".github/goal-orchestrator.yml", ".github/goal-orchestrator.yml", true],
    ["x/.github/goal-orchestrator.yml", ".github/goal-orchestrator.yml", false],
    ["build/out.js", "/build", true],
    ["src/build/out.js", "/build", false],
    ["docs/api/x.md", "/docs/api/", true],
    ["x/docs/api/x.md", "/docs/api/", false],
    // no `/` (or only a trailing one): any depth, as in .gitignore
    ["package-lock.json", "*.json", true],
    ["a/b/c.lock", "*.lock", true],
    ["docs/CODEOWNERS", "CODEOWNERS", true],
    ["CODEOWNERS.md", "CODEOWNERS", false],
    ["migrations/001.sql", "migrations/", true],
    ["src/migrations/001.sql", "migrations/", true],
    // a trailing `/`: that folder and everything below it, never a file of that name
    ["migrations", "migrations/", false],
    ["migrations.sql", "migrations/", false],
    ["vendor/a/b/c.go", "vendor/", true],
    // a folder a pattern names takes everything below it
    ["docs/guide/a.md", "docs", true],
    ["src/secrets/key.pem", "secrets", true],
    ["docs.md", "docs", false],
    // dotfiles and dot folders are names like any other
    [".gitattributes", "*", true],
    ["src/.gitattributes", ".gitattributes", true],
    [".env", ".env*", true],
    ["config/.env.local", ".env*", true],
    [".github/workflows/ci.yml", "*.yml", true],
    // a leading ./ is the root too; characters with no meaning in .gitignore are themselves
    ["a/b.txt", "./a/b.txt", true],
    ["x(1).txt", "x(1).txt", true],
    ["x1.txt", "x(1).txt", false],
    ["a{b,c}.txt", "a{b,c}.txt", true],
    ["ab.txt", "a{b,c}.txt", false],
    ["x/!y", "!y", true],
    ["anything", "!y", false],
    ["a+b.txt", "a+b.txt", true],
    ["anything/at/all", "/", true],
    ["anything", "  ", false],
  ];
  for (const [path, glob, expected] of cases) {
    it(`${glob} ${expected ? "matches" : "does not match"} ${path}`, () => {
      assert.equal(matchesGlob(path, glob), expected);
    });
  }
});
