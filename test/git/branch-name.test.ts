import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { UserError } from "../../src/core/errors.js";
import { goalBranchName, MAX_SLUG_LENGTH } from "../../src/git/branch-name.js";

/** git's own verdict, as `git checkout -b` would give it. */
function gitAccepts(branch: string): boolean {
  try {
    const normalized = execFileSync("git", ["check-ref-format", "--branch", branch], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    execFileSync("git", ["check-ref-format", `refs/heads/${branch}`], { stdio: "ignore" });
    return normalized === branch;
  } catch {
    return false;
  }
}

const CASES: [title: string, branch: string][] = [
  ["Add CSV export", "goal/12-add-csv-export"],
  ["  leading and trailing  ", "goal/12-leading-and-trailing"],
  ["Crème brûlée à la carte", "goal/12-creme-brulee-a-la-carte"],
  ["Straße, Æsir, Øresund, Łódź, œuvre, þorn", "goal/12-strasse-aesir-oresund-lodz-oeuvre-thorn"],
  ["İstanbul ıssız", "goal/12-istanbul-issiz"],
  ["ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ ①②", "goal/12-fullwidth-text-12"],
  ["ﬁle ﬂow ligatures", "goal/12-file-flow-ligatures"],
  ["日本語のタイトル", "goal/12"],
  ["Fix 日本語 bug", "goal/12-fix-bug"],
  ["Привет мир", "goal/12"],
  ["🚀 Launch 🎉 rocket 👩‍👩‍👧", "goal/12-launch-rocket"],
  ["\"Quoted\" and 'single' and `back`", "goal/12-quoted-and-single-and-back"],
  ["Use the “smart” quotes — and dashes", "goal/12-use-the-smart-quotes-and-dashes"],
  ["path/to/file.ts", "goal/12-path-to-file-ts"],
  ["a..b", "goal/12-a-b"],
  ["refs@{upstream}", "goal/12-refs-upstream"],
  ["@", "goal/12"],
  ["@{-1}", "goal/12-1"],
  ["trailing dot.", "goal/12-trailing-dot"],
  ["config.lock", "goal/12-config-lock"],
  ["ends with .lock.", "goal/12-ends-with-lock"],
  ["-leading dash", "goal/12-leading-dash"],
  [
    "back\\slash and ~tilde^caret:colon?question*star[bracket",
    "goal/12-back-slash-and-tilde-caret-colon-question-star",
  ],
  ["control\u0000\u0007\u001b[31mchars\u007f", "goal/12-control-31mchars"],
  ["tabs\tand\nnewlines\r\n", "goal/12-tabs-and-newlines"],
  ["UPPER lower MiXeD 123", "goal/12-upper-lower-mixed-123"],
  ["multiple---dashes___underscores", "goal/12-multiple-dashes-underscores"],
  ["", "goal/12"],
  ["   ", "goal/12"],
  ["!!!???...", "goal/12"],
  ["x".repeat(500), `goal/12-${"x".repeat(MAX_SLUG_LENGTH)}`],
  [
    "Implement the very long feature title that goes on and on past fifty characters",
    "goal/12-implement-the-very-long-feature-title-that-goes-on", // exactly 50
  ],
  [`${"word ".repeat(100)}end`, `goal/12-${"word-".repeat(9)}word`],
  [`${"a".repeat(50)} b`, `goal/12-${"a".repeat(50)}`],
];

describe("goalBranchName", () => {
  it("makes lowercase ASCII slugs from any title", () => {
    for (const [title, expected] of CASES) {
      const branch = goalBranchName(12, title);
      assert.equal(branch, expected, `title ${JSON.stringify(title)}`);
      assert.match(branch, /^goal\/12(-[a-z0-9]+(-[a-z0-9]+)*)?$/, JSON.stringify(title));
      assert.ok(branch.length <= "goal/12-".length + MAX_SLUG_LENGTH);
    }
  });

  it("always gives a name git accepts as a branch", () => {
    for (const [title] of CASES) {
      const branch = goalBranchName(12, title);
      assert.ok(gitAccepts(branch), `git refuses ${branch} (from ${JSON.stringify(title)})`);
    }
    // the checker itself refuses what the slug avoids
    for (const bad of ["goal/1-a..b", "goal/1-x.lock", "goal/1-x.", "goal/1-@{x}", "goal/1-a b"]) {
      assert.equal(gitAccepts(bad), false, bad);
    }
  });

  it("refuses goal numbers that are not positive whole numbers", () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => goalBranchName(n, "x"), UserError);
    }
    assert.equal(goalBranchName(123456, "x"), "goal/123456-x");
  });
});
