import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UserError } from "../../src/core/errors.js";
import { Git, goalBranchName } from "../../src/git/git.js";
import { GitError } from "../../src/git/runner.js";
import { commitEverything, makeOrigin, type Sandbox, sandbox, writeFiles } from "./helpers.js";

let box: Sandbox;
let counter = 0;
before(() => {
  box = sandbox();
});
after(() => box.cleanup());

/** A fresh origin and a clone of it made with Git.clone. */
async function cloned(files?: Record<string, string>) {
  const name = `repo${++counter}`;
  const origin = makeOrigin(box, name, files);
  const git = await Git.clone({ url: origin.url, dir: box.path(`${name}-work`), env: box.env });
  return { origin, git, dir: git.cwd };
}

describe("Git.clone", () => {
  it("clones the default branch", async () => {
    const { origin, git, dir } = await cloned({ "a.txt": "a\n" });
    assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "a\n");
    assert.equal(await git.currentBranch(), "main");
    assert.equal(await git.headSha(), box.git(origin.bare, "rev-parse", "main"));
  });

  /** An origin, a mirror of it, then `ahead` more commits on origin's main. */
  function mirrored(name: string, ahead: number) {
    const origin = makeOrigin(box, name, { "m.txt": "m\n" });
    const mirror = box.path(`${name}-mirror.git`);
    box.git(box.root, "clone", "--quiet", "--mirror", origin.url, mirror);
    for (let i = 1; i <= ahead; i++) {
      writeFiles(origin.other, { [`late-${i}.txt`]: `late ${i}\n` });
      box.git(origin.other, "add", "--all");
      box.git(origin.other, "commit", "--quiet", "-m", `late ${i}`);
    }
    box.git(origin.other, "push", "--quiet", "origin", "main");
    return { origin, mirror };
  }

  it("clones from a mirror, then gets what origin has beyond it", async () => {
    const { origin, mirror } = mirrored("mirrored", 20);
    const warnings: string[] = [];
    const git = await Git.clone({
      url: origin.url,
      dir: box.path("mirrored-work"),
      reference: mirror,
      env: box.env,
      warn: (message) => warnings.push(message),
    });
    assert.deepEqual(warnings, []);
    assert.equal(await git.headSha(), box.git(origin.bare, "rev-parse", "main"));
    assert.equal(await git.currentBranch(), "main");
    assert.ok(existsSync(join(git.cwd, "late-20.txt")));
    assert.equal(box.git(git.cwd, "status", "--porcelain") !== "", false);
    // origin is origin, not the mirror; nothing links the clone to the mirror
    assert.equal(box.git(git.cwd, "config", "--get", "remote.origin.url"), origin.url);
    assert.equal(box.git(git.cwd, "rev-parse", "--abbrev-ref", "origin/HEAD"), "origin/main");
    assert.equal(box.git(git.cwd, "rev-parse", "--abbrev-ref", "main@{upstream}"), "origin/main");
    assert.equal(existsSync(join(git.cwd, ".git/objects/info/alternates")), false);
    assert.ok(!readFileSync(join(git.cwd, ".git/config"), "utf8").includes(mirror));
    // the objects came from the mirror as hardlinks, not through a transfer
    const packs = box.git(git.cwd, "count-objects", "-v");
    assert.match(packs, /^packs: [1-9]/m);
  });

  it("keeps working after the mirror is repacked, pruned and deleted", async () => {
    const { origin, mirror } = mirrored("gc-mirror", 3);
    const git = await Git.clone({
      url: origin.url,
      dir: box.path("gc-mirror-work"),
      reference: mirror,
      env: box.env,
    });
    const history = box.git(git.cwd, "log", "--format=%s");
    // the mirror is updated, repacked from scratch and pruned, as a maintenance job would
    box.git(mirror, "fetch", "--quiet", "--prune", "origin");
    box.git(mirror, "gc", "--quiet", "--prune=now", "--aggressive");
    box.git(git.cwd, "fsck", "--full", "--no-progress");
    rmSync(mirror, { recursive: true });
    box.git(git.cwd, "fsck", "--full", "--no-progress");
    assert.equal(box.git(git.cwd, "log", "--format=%s"), history);
    assert.equal(history.split("\n").length, 4);
    // and it still works as a clone of origin
    writeFiles(git.cwd, { "after.txt": "after\n" });
    assert.equal(commitEverything(box, git.cwd, "after"), true);
    assert.deepEqual(await git.push("main"), { ok: true });
    assert.equal(box.git(origin.bare, "rev-parse", "main"), await git.headSha());
  });

  it("follows origin when its branches and default moved away from the mirror's", async () => {
    const { origin, mirror } = mirrored("moved", 1);
    // after the mirror was made: a new default branch, a deleted branch, a new branch
    box.git(origin.other, "push", "--quiet", "origin", "main:gone");
    box.git(box.root, "clone", "--quiet", "--mirror", origin.url, `${mirror}-2`);
    rmSync(mirror, { recursive: true });
    box.git(box.root, "clone", "--quiet", "--bare", `${mirror}-2`, mirror);
    box.git(mirror, "update-ref", "refs/heads/gone", "main");
    box.git(origin.other, "push", "--quiet", "origin", ":gone", "main:trunk", "main:fresh");
    box.git(origin.bare, "symbolic-ref", "HEAD", "refs/heads/trunk");
    const git = await Git.clone({
      url: origin.url,
      dir: box.path("moved-work"),
      reference: mirror,
      env: box.env,
    });
    assert.equal(await git.currentBranch(), "trunk");
    assert.equal(box.git(git.cwd, "rev-parse", "--abbrev-ref", "origin/HEAD"), "origin/trunk");
    assert.equal(box.git(git.cwd, "rev-parse", "--abbrev-ref", "trunk@{upstream}"), "origin/trunk");
    assert.equal(
      box.git(git.cwd, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes"),
      [
        "refs/heads/trunk",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/fresh",
        "refs/remotes/origin/main",
        "refs/remotes/origin/trunk",
      ].join("\n"),
    );
    const other = await Git.clone({
      url: origin.url,
      dir: box.path("moved-work-2"),
      reference: mirror,
      checkout: false,
      env: box.env,
    });
    assert.equal(await other.currentBranch(), "trunk");
    assert.equal(existsSync(join(other.cwd, "m.txt")), false);
  });

  it("falls back to a plain clone, with a warning, when the mirror is missing or unusable", async () => {
    const origin = makeOrigin(box, "nomirror");
    const notRepo = box.path("not-a-repo");
    writeFiles(notRepo, { "x.txt": "x\n" });
    const broken = box.path("broken-mirror.git");
    box.git(box.root, "clone", "--quiet", "--mirror", origin.url, broken);
    rmSync(join(broken, "refs"), { recursive: true });
    rmSync(join(broken, "packed-refs"), { force: true });
    writeFileSync(join(broken, "HEAD"), "garbage\n");
    const cases = [
      [box.path("no-such-mirror.git"), /no-such-mirror\.git does not exist; cloning from origin/],
      [notRepo, /not-a-repo is not a git repository; cloning from origin/],
      [broken, /broken-mirror\.git failed \(.+\); cloning .*nomirror\.git from origin instead/],
    ] as const;
    for (const [reference, warning] of cases) {
      const warnings: string[] = [];
      const git = await Git.clone({
        url: origin.url,
        dir: box.path(`nomirror-work-${cases.findIndex(([r]) => r === reference)}`),
        reference,
        env: box.env,
        warn: (message) => warnings.push(message),
      });
      assert.equal(await git.currentBranch(), "main");
      assert.equal(await git.headSha(), box.git(origin.bare, "rev-parse", "main"));
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0] ?? "", warning);
    }
  });

  it("clones without writing the work tree when checkout is false", async () => {
    const origin = makeOrigin(box, "nocheckout", { "a.txt": "a\n" });
    const git = await Git.clone({
      url: origin.url,
      dir: box.path("nocheckout-work"),
      checkout: false,
      env: box.env,
    });
    assert.equal(existsSync(join(git.cwd, "a.txt")), false);
    assert.equal(await git.currentBranch(), "main");
    await git.checkoutNewBranch("goal/1-x", "origin/main");
    assert.equal(readFileSync(join(git.cwd, "a.txt"), "utf8"), "a\n");
    assert.equal(box.git(git.cwd, "status", "--porcelain") !== "", false);
  });

  it("fetches a branch origin got after the clone, and says when origin has none", async () => {
    const { origin, git } = await cloned({ "n.txt": "1\n" });
    // a goal branch pushed since the clone (by a checkpoint of another runner, say), one commit on top of main
    box.git(origin.other, "checkout", "--quiet", "-b", "goal/4-deep");
    writeFiles(origin.other, { "goal.txt": "g\n" });
    box.git(origin.other, "add", "--all");
    box.git(origin.other, "commit", "--quiet", "-m", "goal");
    box.git(origin.other, "push", "--quiet", "origin", "goal/4-deep");
    assert.equal((await git.remoteBranches()).has("goal/4-deep"), false);
    assert.equal(await git.fetch("goal/4-deep"), true);
    assert.equal(await git.fetch("goal/5-none"), false);
    await git.checkoutNewBranch("goal/4-deep", "origin/goal/4-deep");
    assert.equal(await git.commitsAhead("origin/main"), 1);
    assert.deepEqual((await git.diffStats("origin/main")).paths, ["goal.txt"]);
  });

  it("fails with a GitError for a repository that does not exist", async () => {
    await assert.rejects(
      Git.clone({ url: box.path("missing.git"), dir: box.path("missing-work"), env: box.env }),
      (error: unknown) =>
        error instanceof GitError &&
        error instanceof UserError &&
        /^git clone failed \(exit 128\): .*does not exist/s.test(error.message),
    );
  });

  it("refuses option-like names instead of passing them to git", async () => {
    await assert.rejects(
      Git.clone({ url: "--upload-pack=touch /tmp/pwned", dir: box.path("x") }),
      UserError,
    );
    const { git } = await cloned();
    const option = "--upload-pack=touch /tmp/pwned";
    await assert.rejects(git.fetch(option), UserError);
    await assert.rejects(git.checkoutNewBranch(option, "origin/main"), UserError);
    await assert.rejects(git.setRef("refs/heads/x", option), UserError);
  });
});

describe("goal branches", () => {
  it("branches from the base, commits, pushes, and reports what changed", async () => {
    const { origin, git, dir } = await cloned({
      "keep.txt": "one\ntwo\nthree\n",
      "gone.txt": "bye\n",
      "old-name.txt": "same content\nline 2\nline 3\nline 4\n",
    });
    const branch = goalBranchName(7, "Add CSV export");
    assert.equal(await git.fetch(branch), false);
    await git.checkoutNewBranch(branch, "origin/main");
    assert.equal(await git.currentBranch(), "goal/7-add-csv-export");

    // the agent commits one change itself and leaves others behind
    writeFiles(dir, { "agent.txt": "by agent\n" });
    box.git(dir, "add", "agent.txt");
    box.git(dir, "commit", "--quiet", "-m", "agent commit");
    writeFiles(dir, { "keep.txt": "one\n2\nthree\nfour\n", "new/deep file.txt": "n\n" });
    unlinkSync(join(dir, "gone.txt"));
    box.git(dir, "mv", "old-name.txt", "new-name.txt");
    assert.equal(commitEverything(box, git.cwd, "Goal #7: leftover changes"), true);
    assert.deepEqual(
      box.git(dir, "show", "--name-status", "--format=", "HEAD").split("\n").sort(),
      ["A\tnew/deep file.txt", "D\tgone.txt", "M\tkeep.txt", "R100\told-name.txt\tnew-name.txt"],
    );

    assert.equal(await git.commitsAhead("origin/main"), 2);
    assert.deepEqual(await git.diffStats("origin/main"), {
      filesChanged: 5,
      linesAdded: 1 + 2 + 1, // agent.txt, keep.txt (2 → 2, + four), new/deep file.txt
      linesDeleted: 1 + 1, // keep.txt (two), gone.txt
      paths: [
        "agent.txt",
        "gone.txt",
        "keep.txt",
        "new-name.txt",
        "new/deep file.txt",
        "old-name.txt",
      ],
      links: [],
      submodules: [],
    });

    assert.deepEqual(await git.push(branch), { ok: true });
    assert.equal(box.git(origin.bare, "rev-parse", `refs/heads/${branch}`), await git.headSha());
    assert.equal(await git.fetch(branch), true);
  });

  it("resumes a goal branch that already exists on origin", async () => {
    const origin = makeOrigin(box, "resume");
    const branch = goalBranchName(9, "Resume me");
    // an earlier attempt pushed two commits to the goal branch
    const first = await Git.clone({ url: origin.url, dir: box.path("resume-1"), env: box.env });
    await first.checkoutNewBranch(branch, "origin/main");
    writeFiles(first.cwd, { "step1.txt": "1\n" });
    commitEverything(box, first.cwd, "step 1");
    writeFiles(first.cwd, { "step2.txt": "2\n" });
    commitEverything(box, first.cwd, "step 2");
    assert.deepEqual(await first.push(branch), { ok: true });

    // a new run on a fresh clone picks it up
    const second = await Git.clone({ url: origin.url, dir: box.path("resume-2"), env: box.env });
    assert.equal(await second.fetch(branch), true);
    assert.equal(await second.fetch(branch), true);
    await second.checkoutNewBranch(branch, `origin/${branch}`);
    assert.equal(await second.headSha(), await first.headSha());
    assert.equal(await second.commitsAhead("origin/main"), 2);
    writeFiles(second.cwd, { "step3.txt": "3\n" });
    assert.equal(commitEverything(box, second.cwd, "step 3"), true);
    assert.equal(await second.commitsAhead("origin/main"), 3);
    assert.equal((await second.diffStats("origin/main")).filesChanged, 3);
    assert.deepEqual(await second.push(branch), { ok: true }); // a fast-forward
    assert.equal(box.git(origin.bare, "rev-list", "--count", branch), "4");
  });

  it("reports a push as rejected when someone else pushed to the branch", async () => {
    const origin = makeOrigin(box, "race");
    const branch = "goal/3-race";
    const mine = await Git.clone({ url: origin.url, dir: box.path("race-mine"), env: box.env });
    const theirs = await Git.clone({ url: origin.url, dir: box.path("race-theirs"), env: box.env });
    for (const [git, file] of [
      [theirs, "theirs.txt"],
      [mine, "mine.txt"],
    ] as const) {
      await git.checkoutNewBranch(branch, "origin/main");
      writeFiles(git.cwd, { [file]: "x\n" });
      commitEverything(box, git.cwd, file);
    }
    assert.deepEqual(await theirs.push(branch), { ok: true });

    const result = await mine.push(branch);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.rejected, JSON.stringify(result));
    assert.match(result.ok ? "" : result.message, /rejected/);

    // after fetching, the lease-less retry is still a non-fast-forward …
    assert.equal(await mine.fetch(branch), true);
    const again = await mine.push(branch);
    assert.ok(!again.ok && again.rejected && /non-fast-forward/.test(again.message));
    // … and force overwrites
    assert.deepEqual(await mine.push(branch, { force: true }), { ok: true });
    assert.equal(box.git(origin.bare, "rev-parse", branch), await mine.headSha());
  });

  it("reports a push refused by origin's hook as not rejected", async () => {
    const { origin, git, dir } = await cloned();
    writeFileSync(
      join(origin.bare, "hooks/pre-receive"),
      "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n",
      {
        mode: 0o755,
      },
    );
    await git.checkoutNewBranch("goal/1-x", "origin/main");
    writeFiles(dir, { "x.txt": "x\n" });
    commitEverything(box, git.cwd, "x");
    const result = await git.push("goal/1-x");
    assert.equal(result.ok, false);
    assert.ok(!result.ok && !result.rejected);
    assert.match(result.ok ? "" : result.message, /protected branch/);
  });

  it("throws GitError when a fetch fails for another reason than a missing branch", async () => {
    const { dir } = await cloned();
    const git = new Git({ cwd: dir, env: box.env, remote: box.path("gone.git") });
    await assert.rejects(git.fetch("main"), GitError);
    const push = await git.push("main");
    assert.ok(
      !push.ok && !push.rejected && /does not appear to be a git repository/.test(push.message),
    );
  });

  it("talks to the remote it was given, whatever the repository's config says", async () => {
    const { origin, git, dir } = await cloned();
    box.git(dir, "remote", "set-url", "origin", box.path("elsewhere.git"));
    box.git(dir, "config", "remote.origin.pushurl", box.path("elsewhere.git"));
    await git.checkoutNewBranch("goal/5-here", "origin/main");
    writeFiles(dir, { "x.txt": "x\n" });
    box.git(dir, "add", "x.txt");
    box.git(dir, "commit", "--quiet", "-m", "x");
    assert.equal(await git.fetch("main"), true);
    assert.deepEqual(await git.push("goal/5-here"), { ok: true });
    assert.equal(box.git(origin.bare, "rev-parse", "goal/5-here"), await git.headSha());
  });

  it("refuses to send a token without a remote URL given by the caller", async () => {
    const { dir } = await cloned();
    const git = new Git({ cwd: dir, env: box.env, token: "ghs_x" });
    await assert.rejects(git.fetch("main"), /only sent to a remote URL given to Git/);
  });
});

describe("diffStats", () => {
  it("counts binary files with no lines and ignores uncommitted changes", async () => {
    const { git, dir } = await cloned();
    writeFileSync(join(dir, "image.bin"), Buffer.from([0, 1, 2, 0, 255]));
    writeFiles(dir, { "ünïcode name.txt": "a\nb\n" });
    commitEverything(box, git.cwd, "bin");
    writeFiles(dir, { "uncommitted.txt": "u\n" });
    assert.deepEqual(await git.diffStats("origin/main"), {
      filesChanged: 2,
      linesAdded: 2,
      linesDeleted: 0,
      paths: ["image.bin", "ünïcode name.txt"],
      links: [],
      submodules: [],
    });
    assert.deepEqual(await git.diffStats("HEAD"), {
      filesChanged: 0,
      linesAdded: 0,
      linesDeleted: 0,
      paths: [],
      links: [],
      submodules: [],
    });
  });

  it("counts only HEAD's side when the base moved on", async () => {
    const { origin, git, dir } = await cloned();
    await git.checkoutNewBranch("goal/2-y", "origin/main");
    writeFiles(dir, { "mine.txt": "m\n" });
    commitEverything(box, git.cwd, "mine");
    writeFiles(origin.other, { "base.txt": "b\nb\n" });
    box.git(origin.other, "add", "--all");
    box.git(origin.other, "commit", "--quiet", "-m", "base moves");
    box.git(origin.other, "push", "--quiet", "origin", "main");
    assert.equal(await git.fetch("main"), true);
    assert.equal(await git.commitsAhead("origin/main"), 1);
    assert.deepEqual((await git.diffStats("origin/main")).paths, ["mine.txt"]);
  });
});
