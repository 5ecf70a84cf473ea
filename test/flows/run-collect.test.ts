import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { GoalSnapshot, RunPullRequestPort } from "../../src/core/ports.js";
import { collectCommits } from "../../src/flows/run-collect.js";
import { deliver } from "../../src/flows/run-deliver.js";
import {
  type PreparedWorkspace,
  prepareWorkspace,
  startWorkspaceClone,
} from "../../src/flows/run-workspace.js";
import { makeOrigin, type Sandbox, sandbox, writeFiles } from "../git/helpers.js";
import { statsRecord } from "../helpers/stats-record.js";

// The runner's side of the wall, without GitHub: its clone, the agent's work tree sharing it,
// and the collection of the agent's work into a repository of the runner's own. The agent here
// is the test, doing to its work tree what a hostile agent would.

const AUTHOR = { name: "github-actions[bot]", email: "bot@example.com" };

let box: Sandbox;
let counter = 0;
before(() => {
  box = sandbox("goal-collect-");
});
after(() => box.cleanup());

function goalSnapshot(number: number, title: string): GoalSnapshot {
  return {
    ref: { owner: "acme", repo: "widgets", number },
    id: number,
    nodeId: `I_${number}`,
    title,
    body: "",
    url: `https://github.com/acme/widgets/issues/${number}`,
    open: true,
    stateReason: null,
    labels: [],
    state: "running",
    author: "maintainer",
    createdAt: new Date().toISOString(),
    markers: [],
  };
}

async function workspace(files?: Record<string, string>) {
  const name = `origin${++counter}`;
  const origin = makeOrigin(box, name, files);
  const settings = {
    cloneUrl: origin.url,
    token: "",
    gitMirror: null,
    workspaceRoot: box.path(`${name}-workspaces`),
    base: null,
    resume: true,
    attempt: 1,
  };
  const pending = startWorkspaceClone(settings, { owner: "acme", repo: "widgets" }, 7);
  const prepared = await prepareWorkspace(pending, goalSnapshot(7, "Do it"), settings, () => {});
  return { origin, prepared, settings };
}

/** What the agent does in its work tree, with its own git (and its own config). */
function agentGit(prepared: PreparedWorkspace, ...args: string[]) {
  return box.git(prepared.paths.work, "-c", "user.name=Agent", "-c", "user.email=a@x", ...args);
}

/** What the runner collects: the agent's work with its leftovers, measured against origin. */
function collect(prepared: PreparedWorkspace, settings: { cloneUrl: string; token: string }) {
  return collectCommits(prepared, {
    ...settings,
    author: AUTHOR,
    message: "goal #7: changes the agent left uncommitted (attempt 1)",
  });
}

describe("workspace", () => {
  it("gives the agent a work tree that shares the runner's objects and sees every branch", async () => {
    const { prepared } = await workspace();
    assert.equal(agentGit(prepared, "rev-parse", "--abbrev-ref", "HEAD"), "goal/7-do-it");
    assert.match(agentGit(prepared, "branch", "-r"), /origin\/main/);
    const alternates = readFileSync(
      join(prepared.paths.work, ".git/objects/info/alternates"),
      "utf8",
    );
    assert.equal(alternates.trim(), "../../../trusted/.git/objects", "relative: survives a move");
    assert.equal(agentGit(prepared, "config", "remote.origin.url"), prepared.paths.trusted);
    assert.equal(existsSync(prepared.paths.goalDir), true);
  });
});

describe("collect", () => {
  it("commits leftovers as the runner's bot and measures against origin's base", async () => {
    const { prepared, settings } = await workspace();
    writeFiles(prepared.paths.work, { "a.txt": "one\n" });
    agentGit(prepared, "add", "a.txt");
    agentGit(prepared, "commit", "--quiet", "-m", "agent");
    writeFiles(prepared.paths.work, { "left.txt": "left\nover\n" });
    const collected = await collect(prepared, settings);
    assert.equal(collected.committedLeftovers, true);
    assert.equal(collected.problem, null);
    assert.equal(collected.commitsAhead, 2);
    assert.deepEqual(collected.diff?.paths, ["a.txt", "left.txt"]);
    assert.equal(collected.diff?.linesAdded, 3);
    const git = (...args: string[]) => box.git(prepared.paths.collect, ...args);
    assert.equal(
      git("log", "-1", "--format=%an|%s", collected.head),
      "github-actions[bot]|goal #7: changes the agent left uncommitted (attempt 1)",
    );
    // The runner's repository is its own: no remote, no hooks of anyone else's.
    assert.equal(spawnSync("git", ["-C", prepared.paths.collect, "remote"]).stdout.length, 0);
  });

  it("commits leftovers without the agent's hooks, fsmonitor, filters, signing or index", async () => {
    const { prepared, settings } = await workspace();
    agentGit(prepared, "config", "commit.gpgSign", "true");
    agentGit(prepared, "config", "user.signingKey", "no-such-key");
    const ran = join(prepared.paths.work, ".git", "ran");
    const script = join(prepared.paths.work, ".git", "evil.sh");
    writeFileSync(script, `#!/bin/sh\necho "$0 $*" >> ${ran}\ncat\n`, { mode: 0o755 });
    for (const hook of [
      "pre-commit",
      "post-commit",
      "post-index-change",
      "reference-transaction",
    ]) {
      writeFileSync(join(prepared.paths.work, ".git/hooks", hook), `#!/bin/sh\n${script}\n`, {
        mode: 0o755,
      });
    }
    agentGit(prepared, "config", "core.fsmonitor", script);
    agentGit(prepared, "config", "filter.evil.clean", script);
    writeFiles(prepared.paths.work, {
      ".git/info/attributes": "* filter=evil\n",
      "x.txt": "x\n",
      ".git/index.lock": "",
    });
    const collected = await collect(prepared, settings);
    assert.deepEqual(collected.diff?.paths, ["x.txt"]);
    assert.equal(existsSync(ran), false, "nothing of the agent's ran");
  });

  it("without changes, nothing is ahead", async () => {
    const { prepared, settings } = await workspace();
    const collected = await collect(prepared, settings);
    assert.equal(collected.commitsAhead, 0);
    assert.equal(collected.head, prepared.start);
  });

  it("sees the true diff when the agent moves origin/main, HEAD of origin and main", async () => {
    const { prepared, settings } = await workspace();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\n");
    writeFiles(prepared.paths.work, { "big.txt": `${lines}\n` });
    agentGit(prepared, "add", "big.txt");
    agentGit(prepared, "commit", "--quiet", "-m", "big");
    writeFiles(prepared.paths.work, { "small.txt": "s\n" });
    agentGit(prepared, "add", "small.txt");
    agentGit(prepared, "commit", "--quiet", "-m", "small");
    for (const ref of ["refs/remotes/origin/main", "refs/heads/main"]) {
      agentGit(prepared, "update-ref", ref, "HEAD~1");
    }
    const collected = await collect(prepared, settings);
    assert.equal(collected.commitsAhead, 2);
    assert.equal(collected.diff?.linesAdded, 201);
  });

  it("reports links and submodules the change adds", async () => {
    const { prepared, settings } = await workspace();
    symlinkSync("/etc/passwd", join(prepared.paths.work, "innocent"));
    const sha = agentGit(prepared, "rev-parse", "HEAD");
    agentGit(prepared, "update-index", "--add", "--cacheinfo", `160000,${sha},vendor/lib`);
    agentGit(prepared, "commit", "--quiet", "-m", "a submodule"); // the link stays uncommitted
    mkdirSync(join(prepared.paths.work, "vendor/lib"), { recursive: true }); // not checked out
    const collected = await collect(prepared, settings);
    assert.deepEqual(collected.diff?.links, ["innocent"]);
    assert.deepEqual(collected.diff?.submodules, ["vendor/lib"]);
  });

  it("never reads another repository on this machine through a link the agent made", async () => {
    const other = await workspace({ "secret.txt": "another repository's code\n" });
    const otherGit = join(other.prepared.paths.trusted, ".git");
    const attacks: Array<[string, (work: string) => void]> = [
      [
        "refs linked to another clone's",
        (work) => {
          rmSync(join(work, ".git/refs"), { recursive: true });
          symlinkSync(join(otherGit, "refs"), join(work, ".git/refs"));
          writeFileSync(join(work, ".git/HEAD"), "ref: refs/heads/main\n");
        },
      ],
      [
        "packed-refs linked to another clone's",
        (work) => {
          writeFileSync(join(work, ".git/HEAD"), "ref: refs/heads/stolen\n");
          rmSync(join(work, ".git/packed-refs"), { force: true });
          symlinkSync(join(otherGit, "packed-refs"), join(work, ".git/packed-refs"));
        },
      ],
      [
        "a pack linked in from another clone",
        (work) => {
          const packs = join(otherGit, "objects/pack");
          for (const name of readdirSync(packs)) {
            symlinkSync(join(packs, name), join(work, ".git/objects/pack", `x-${name}`));
          }
        },
      ],
      [
        ".git itself a link to another work tree's",
        (work) => {
          rmSync(join(work, ".git"), { recursive: true });
          symlinkSync(join(other.prepared.paths.work, ".git"), join(work, ".git"));
        },
      ],
    ];
    for (const [name, attack] of attacks) {
      const { origin, prepared, settings } = await workspace();
      attack(prepared.paths.work);
      const collected = await collect(prepared, settings);
      assert.ok(collected.problem, `${name}: a problem is reported`);
      assert.equal(collected.commitsAhead, 0, name);
      assert.doesNotMatch(box.git(origin.bare, "log", "--all", "--format=%s"), /secret/, name);
    }
  });

  it("refuses a history that does not descend from the base", async () => {
    const { prepared, settings } = await workspace();
    agentGit(prepared, "checkout", "--quiet", "--orphan", "elsewhere");
    writeFiles(prepared.paths.work, { "other.txt": "o\n" });
    agentGit(prepared, "add", "--all");
    agentGit(prepared, "commit", "--quiet", "-m", "unrelated");
    const collected = await collect(prepared, settings);
    assert.match(collected.problem ?? "", /shares no history with main/);
  });

  it("a HEAD that is a link, names nothing, or another object store is a problem, not a crash", async () => {
    for (const spoil of [
      (p: PreparedWorkspace) =>
        writeFileSync(join(p.paths.work, ".git/HEAD"), "ref: refs/heads/../../x\n"),
      (p: PreparedWorkspace) =>
        writeFileSync(join(p.paths.work, ".git/HEAD"), `${"0".repeat(40)}\n`),
      (p: PreparedWorkspace) => {
        rmSync(join(p.paths.work, ".git/HEAD"));
        symlinkSync("/etc/hostname", join(p.paths.work, ".git/HEAD"));
      },
      (p: PreparedWorkspace) =>
        writeFileSync(join(p.paths.work, ".git/objects/info/alternates"), "/somewhere/else\n"),
    ]) {
      const { prepared, settings } = await workspace();
      spoil(prepared);
      const collected = await collect(prepared, settings);
      assert.ok(collected.problem, "a problem is reported");
      assert.equal(collected.commitsAhead, 0);
    }
  });
});

describe("deliver", () => {
  it("ends in spot-check, not a failed attempt, when the answer to enabling auto-merge is lost", async () => {
    const { origin, prepared, settings } = await workspace();
    writeFiles(prepared.paths.work, { "done.txt": "done\n" });
    const collected = await collect(prepared, settings);
    const opened: string[] = [];
    const pulls: RunPullRequestPort = {
      create: async (request) => {
        opened.push(request.head);
        return {
          number: 3,
          nodeId: "PR_3",
          url: "https://github.com/acme/widgets/pull/3",
          created: true,
        };
      },
      enableAutoMerge: async () => {
        throw new Error("socket hang up");
      },
      forBranch: async () => [],
      reviewRequests: async () => assert.fail("not a review round"),
      disableAutoMerge: async () => assert.fail("not a review round"),
      comment: async () => assert.fail("not a review round"),
    };
    const delivered = await deliver(pulls, () => {}, {
      goal: goalSnapshot(7, "Do it"),
      attempt: 1,
      maxAttempts: 3,
      mergeMethod: "squash",
      workspace: prepared,
      collected,
      verdict: { outcome: "success", reason: "the agent exited with status 0" },
      stats: statsRecord({ goal: 7, attempt: 1 }),
    });
    assert.equal(delivered.verdict.outcome, "spot-check");
    assert.match(delivered.verdict.reason, /enabling auto-merge failed \(socket hang up\)/);
    assert.equal(delivered.prUrl, "https://github.com/acme/widgets/pull/3");
    assert.deepEqual(opened, ["goal/7-do-it"]);
    assert.equal(box.git(origin.bare, "rev-parse", "goal/7-do-it"), collected.head, "pushed");
  });
});
