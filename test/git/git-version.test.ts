// Git reads its token header and its safety settings from GIT_CONFIG_COUNT, which git before
// 2.31 ignores without a word: such a git must stop the run, saying what to install.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { UserError } from "../../src/core/errors.js";
import { Git } from "../../src/git/git.js";
import { gitVersionProblem } from "../../src/git/version.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A folder holding a `git` that answers --version with `answer` and fails anything else. */
function fakeGit(answer: string): string {
  const dir = mkdtempSync(join(tmpdir(), "goal-fake-git-"));
  dirs.push(dir);
  writeFileSync(
    join(dir, "git"),
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo '${answer}'; exit 0; fi\necho "ran $*" >&2\nexit 1\n`,
  );
  chmodSync(join(dir, "git"), 0o755);
  return dir;
}

describe("the git version", () => {
  it("accepts 2.31 and newer, whatever follows the number", () => {
    for (const answer of [
      "git version 2.31.0",
      "git version 2.39.5\n",
      "git version 2.45.1 (Apple Git-154)",
      "git version 2.41.0.windows.1",
      "git version 3.0.0",
    ]) {
      assert.equal(gitVersionProblem(answer), null, answer);
    }
  });

  it("refuses an older git, or an answer it cannot read, and says what to install", () => {
    const old = gitVersionProblem("git version 2.30.9");
    assert.match(old ?? "", /^git 2\.30 is too old: .*would push without it\. Install git 2\.31/);
    assert.match(gitVersionProblem("git version 1.9.5") ?? "", /^git 1\.9 is too old/);
    assert.match(gitVersionProblem("hub version 2.14") ?? "", /^Could not tell git's version/);
  });

  it("is checked before the first git command, and stops it", async () => {
    const bin = fakeGit("git version 2.30.2");
    const cwd = mkdtempSync(join(tmpdir(), "goal-old-git-"));
    dirs.push(cwd);
    const git = new Git({ cwd, env: { PATH: `${bin}:${process.env.PATH ?? ""}` } });
    await assert.rejects(git.currentBranch(), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^git 2\.30 is too old/);
      return true;
    });
    // Not kept: a git put right on the same PATH is checked again.
    writeFileSync(join(bin, "git"), `#!/bin/sh\necho 'git version 2.40.0'\n`);
    await git.currentBranch();
  });
});
