import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { GoalSnapshot } from "../../src/core/ports.js";
import { Checkpoints, parseCheckpointEvery } from "../../src/flows/run-checkpoint.js";
import {
  type PreparedWorkspace,
  prepareWorkspace,
  startWorkspaceClone,
} from "../../src/flows/run-workspace.js";
import { copyAgentObjects, readAgentHead } from "../../src/git/agent-head.js";
import { makeOrigin, type Origin, type Sandbox, sandbox, writeFiles } from "../git/helpers.js";

// Checkpoints and salvage on the runner's side of the wall, without GitHub: each checkpoint is
// taken by hand (no timer), and the agent is the test, doing to its repository what a hostile
// agent would between two checkpoints.

let box: Sandbox;
let counter = 0;
before(() => {
  box = sandbox("goal-checkpoint-");
});
after(() => box.cleanup());

const GOAL = 7;
const BRANCH = "goal/7-do-it";

function goalSnapshot(): GoalSnapshot {
  return {
    ref: { owner: "acme", repo: "widgets", number: GOAL },
    id: GOAL,
    nodeId: `I_${GOAL}`,
    title: "Do it",
    body: "",
    url: `https://github.com/acme/widgets/issues/${GOAL}`,
    open: true,
    stateReason: null,
    labels: [],
    state: "running",
    author: "maintainer",
    createdAt: new Date().toISOString(),
    markers: [],
  };
}

interface Place {
  origin: Origin;
  settings: {
    cloneUrl: string;
    token: string;
    gitMirror: null;
    workspaceRoot: string;
    base: null;
    resume: boolean;
    attempt: number;
  };
}

function place(files?: Record<string, string>, resume = true): Place {
  const name = `origin${++counter}`;
  const origin = makeOrigin(box, name, files);
  return {
    origin,
    settings: {
      cloneUrl: origin.url,
      token: "",
      gitMirror: null,
      workspaceRoot: box.path(`${name}-workspaces`),
      base: null,
      resume,
      attempt: 1,
    },
  };
}

/** One attempt's workspace; what it logged and warned. */
async function attempt(where: Place) {
  const lines: string[] = [];
  const warnings: string[] = [];
  const pending = startWorkspaceClone(where.settings, { owner: "acme", repo: "widgets" }, GOAL);
  const prepared = await prepareWorkspace(
    pending,
    goalSnapshot(),
    where.settings,
    (line) => lines.push(line),
    (line) => warnings.push(line),
  );
  const checkpoints = new Checkpoints(
    prepared,
    { cloneUrl: where.settings.cloneUrl, token: "", everySeconds: null },
    (line) => lines.push(line),
    (line) => warnings.push(line),
  );
  return { prepared, checkpoints, lines, warnings };
}

function agentGit(prepared: PreparedWorkspace, ...args: string[]) {
  return box.git(prepared.paths.work, "-c", "user.name=Agent", "-c", "user.email=a@x", ...args);
}

function agentCommit(prepared: PreparedWorkspace, file: string, content = `${file}\n`) {
  writeFiles(prepared.paths.work, { [file]: content });
  agentGit(prepared, "add", file);
  agentGit(prepared, "commit", "--quiet", "-m", `add ${file}`);
  return agentGit(prepared, "rev-parse", "HEAD");
}

/** Origin's commit for a branch, or null. */
function onOrigin(origin: Origin, branch = BRANCH): string | null {
  try {
    return box.git(origin.bare, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}`);
  } catch {
    return null;
  }
}

/** Another repository on this machine, with a commit holding a secret. */
function foreignRepository() {
  const dir = box.path(`foreign${++counter}`);
  box.git(box.root, "init", "--quiet", dir);
  writeFiles(dir, { "private.txt": "another repository's secret\n" });
  box.git(dir, "add", "--all");
  box.git(dir, "commit", "--quiet", "-m", "private history");
  const objects = box
    .git(dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    .split("\n");
  return { dir, gitDir: join(dir, ".git"), commit: box.git(dir, "rev-parse", "HEAD"), objects };
}

function assertNothingForeign(origin: Origin, foreign: ReturnType<typeof foreignRepository>) {
  for (const object of foreign.objects) {
    assert.throws(() => box.git(origin.bare, "cat-file", "-e", object), `origin holds ${object}`);
  }
}

describe("checkpoints", () => {
  it("push the agent's commits when its HEAD moved, and only then", async () => {
    const where = place();
    const { prepared, checkpoints, warnings } = await attempt(where);
    await checkpoints.checkpoint();
    assert.equal(onOrigin(where.origin), null, "nothing beyond the base: nothing pushed");
    const first = agentCommit(prepared, "a.txt");
    writeFiles(prepared.paths.work, { "loose.txt": "not committed\n" });
    await checkpoints.checkpoint();
    assert.equal(onOrigin(where.origin), first);
    assert.deepEqual(
      box.git(where.origin.bare, "ls-tree", "--name-only", BRANCH).split("\n").sort(),
      ["README.md", "a.txt"],
      "commits only, not what is left uncommitted",
    );
    await checkpoints.checkpoint();
    assert.equal(checkpoints.pushed, 1, "HEAD did not move: no second push");
    const second = agentCommit(prepared, "b.txt");
    agentGit(prepared, "gc", "--quiet"); // its objects now in a pack
    await checkpoints.checkpoint();
    assert.equal(onOrigin(where.origin), second);
    assert.equal(checkpoints.pushed, 2);
    await checkpoints.stop();
    assert.deepEqual(warnings, []);
  });

  it("replace an earlier attempt's branch when starting from the base, but only move forward a resumed one", async () => {
    const fresh = place(undefined, false);
    box.git(fresh.origin.other, "checkout", "--quiet", "-b", BRANCH);
    writeFiles(fresh.origin.other, { "earlier.txt": "attempt 1\n" });
    box.git(fresh.origin.other, "add", "--all");
    box.git(fresh.origin.other, "commit", "--quiet", "-m", "attempt 1");
    box.git(fresh.origin.other, "push", "--quiet", "origin", BRANCH);
    const replacing = await attempt(fresh);
    assert.equal(replacing.prepared.resumed, false);
    const head = agentCommit(replacing.prepared, "a.txt");
    await replacing.checkpoints.checkpoint();
    assert.equal(onOrigin(fresh.origin), head, "resume off: the branch is replaced");

    const resumed = place();
    box.git(resumed.origin.other, "push", "--quiet", "origin", `main:${BRANCH}`);
    const run = await attempt(resumed);
    assert.equal(run.prepared.resumed, true);
    const tip = agentCommit(run.prepared, "a.txt");
    await run.checkpoints.checkpoint();
    assert.equal(onOrigin(resumed.origin), tip);
    // Someone else moves the branch on: the agent's next checkpoint is refused, not forced.
    box.git(resumed.origin.other, "fetch", "--quiet", "origin", BRANCH);
    box.git(resumed.origin.other, "checkout", "--quiet", "-b", "theirs", "FETCH_HEAD");
    writeFiles(resumed.origin.other, { "theirs.txt": "a person's fix\n" });
    box.git(resumed.origin.other, "add", "--all");
    box.git(resumed.origin.other, "commit", "--quiet", "-m", "theirs");
    box.git(resumed.origin.other, "push", "--quiet", "origin", `theirs:${BRANCH}`);
    const theirs = onOrigin(resumed.origin);
    agentCommit(run.prepared, "b.txt");
    await run.checkpoints.checkpoint();
    assert.equal(onOrigin(resumed.origin), theirs);
    assert.equal(run.warnings.length, 1);
    assert.match(
      run.warnings[0] ?? "",
      /not checkpointed: the push of \w+ to goal\/7-do-it was rejected/,
    );
  });

  it("never push another repository of this machine, whatever the agent links or borrows", async () => {
    const attacks: Array<
      [string, (p: PreparedWorkspace, f: ReturnType<typeof foreignRepository>) => void]
    > = [
      [
        ".git a link to another repository's",
        (p, f) => {
          renameSync(join(p.paths.work, ".git"), join(p.paths.work, ".git-real"));
          symlinkSync(f.gitDir, join(p.paths.work, ".git"));
        },
      ],
      [
        "refs a link to another repository's",
        (p, f) => {
          rmSync(join(p.paths.work, ".git/refs"), { recursive: true });
          symlinkSync(join(f.gitDir, "refs"), join(p.paths.work, ".git/refs"));
          writeFileSync(join(p.paths.work, ".git/HEAD"), "ref: refs/heads/main\n");
        },
      ],
      [
        "another repository's objects borrowed, and a commit on top of its history",
        (p, f) => {
          const alternates = join(p.paths.work, ".git/objects/info/alternates");
          writeFileSync(
            alternates,
            `${readFileSync(alternates, "utf8")}${join(f.gitDir, "objects")}\n`,
          );
          const tree = agentGit(p, "rev-parse", "HEAD^{tree}");
          const stolen = agentGit(p, "commit-tree", tree, "-p", f.commit, "-m", "stolen");
          agentGit(p, "update-ref", "refs/heads/goal/7-do-it", stolen);
        },
      ],
      [
        "another repository's object folders linked in, HEAD naming its commit",
        (p, f) => {
          const objects = join(p.paths.work, ".git/objects");
          for (const name of readdirSync(join(f.gitDir, "objects"))) {
            if (/^[0-9a-f]{2}$/.test(name) && !existsSync(join(objects, name))) {
              symlinkSync(join(f.gitDir, "objects", name), join(objects, name));
            }
          }
          writeFileSync(join(p.paths.work, ".git/HEAD"), `${f.commit}\n`);
        },
      ],
    ];
    for (const [name, attack] of attacks) {
      const where = place();
      const foreign = foreignRepository();
      const { prepared, checkpoints, warnings } = await attempt(where);
      const honest = agentCommit(prepared, "a.txt");
      await checkpoints.checkpoint();
      assert.equal(onOrigin(where.origin), honest, name);
      attack(prepared, foreign);
      await checkpoints.checkpoint();
      assert.equal(onOrigin(where.origin), honest, `${name}: the branch did not move`);
      assert.equal(warnings.length, 1, `${name}: one warning`);
      assert.match(warnings[0] ?? "", /^not checkpointed: /, name);
      assertNothingForeign(where.origin, foreign);
    }
  });

  it("read the agent's files without following links or blocking on a FIFO", async () => {
    const where = place();
    const foreign = foreignRepository();
    const { prepared } = await attempt(where);
    agentCommit(prepared, "a.txt");
    // Between the runner's checks and its reads, a folder of objects becomes a link.
    const objects = join(prepared.paths.work, ".git/objects");
    const loose = readdirSync(join(foreign.gitDir, "objects")).filter((n) =>
      /^[0-9a-f]{2}$/.test(n),
    );
    for (const name of loose) {
      if (!existsSync(join(objects, name)))
        symlinkSync(join(foreign.gitDir, "objects", name), join(objects, name));
    }
    const into = box.path(`copy${++counter}`);
    await copyAgentObjects(prepared.paths.work, into, new Set());
    const copied = existsSync(into)
      ? readdirSync(into).flatMap((d) => readdirSync(join(into, d)).map((f) => d + f))
      : [];
    for (const object of foreign.objects) assert.ok(!copied.includes(object), `${object} copied`);
    // A FIFO for HEAD: an error, not a runner waiting forever.
    rmSync(join(prepared.paths.work, ".git/HEAD"));
    execFileSync("mkfifo", [join(prepared.paths.work, ".git/HEAD")]);
    await assert.rejects(readAgentHead(prepared.paths.work), /not a regular file/);
  });
});

describe("salvage", () => {
  it("pushes what a dead attempt committed before its workspace goes, then resume decides", async () => {
    const where = place();
    const first = await attempt(where);
    const lost = agentCommit(first.prepared, "a.txt");
    // The runner died: no final push, and the attempt's run/ folder is still there.
    const second = await attempt(where);
    assert.equal(onOrigin(where.origin), lost);
    assert.match(
      second.lines.join("\n"),
      /salvaged the commits the previous attempt left in its workspace \(up to \w+, 1 beyond main\) onto goal\/7-do-it/,
    );
    assert.equal(second.prepared.resumed, true);
    assert.equal(second.prepared.start, lost);
    assert.equal(agentGit(second.prepared, "rev-parse", "origin/goal/7-do-it"), lost);
    assert.deepEqual(second.warnings, []);
    assert.ok(!existsSync(join(where.settings.workspaceRoot, "acme/widgets/7/salvage")));
  });

  it("leaves alone an attempt that ended, and commits already on the branch", async () => {
    const where = place();
    const first = await attempt(where);
    agentCommit(first.prepared, "a.txt");
    rmSync(first.prepared.paths.run, { recursive: true }); // it ended (and pushed, or had nothing)
    const second = await attempt(where);
    assert.equal(onOrigin(where.origin), null);
    assert.doesNotMatch(second.lines.join("\n"), /salvaged/);

    const third = await attempt(where);
    const head = agentCommit(third.prepared, "b.txt");
    await third.checkpoints.checkpoint();
    const fourth = await attempt(where);
    assert.doesNotMatch(fourth.lines.join("\n"), /salvaged/, "checkpointed already");
    assert.equal(fourth.prepared.start, head);
  });

  it("keeps a dead attempt's commits beside a goal branch that moved on, or replaces it with resume off", async () => {
    for (const resume of [true, false]) {
      const where = place(undefined, resume);
      const first = await attempt(where);
      const lost = agentCommit(first.prepared, "a.txt");
      box.git(where.origin.other, "checkout", "--quiet", "-b", BRANCH);
      writeFiles(where.origin.other, { "theirs.txt": "meanwhile\n" });
      box.git(where.origin.other, "add", "--all");
      box.git(where.origin.other, "commit", "--quiet", "-m", "meanwhile");
      box.git(where.origin.other, "push", "--quiet", "origin", BRANCH);
      const theirs = onOrigin(where.origin);
      const second = await attempt(where);
      if (resume) {
        assert.equal(onOrigin(where.origin), theirs);
        assert.equal(onOrigin(where.origin, `${BRANCH}-salvaged-${lost.slice(0, 8)}`), lost);
        assert.match(second.lines.join("\n"), /goal\/7-do-it has other commits since/);
      } else {
        assert.equal(onOrigin(where.origin), lost);
        assert.match(second.lines.join("\n"), /replacing what it held \(resume is off\)/);
      }
    }
  });

  it("salvages nothing from a repository that is not the agent's own, and the attempt goes on", async () => {
    const where = place();
    const foreign = foreignRepository();
    const first = await attempt(where);
    agentCommit(first.prepared, "a.txt");
    const work = first.prepared.paths.work;
    renameSync(join(work, ".git"), join(work, ".git-real"));
    symlinkSync(foreign.gitDir, join(work, ".git"));
    const second = await attempt(where);
    assert.equal(onOrigin(where.origin), null);
    assert.equal(second.warnings.length, 1);
    assert.match(
      second.warnings[0] ?? "",
      /nothing salvaged from the previous attempt's workspace: the agent's repository is not its own/,
    );
    assertNothingForeign(where.origin, foreign);
    assert.equal(second.prepared.resumed, false);
  });
});

describe("checkpoint-every", () => {
  it("is a duration, off, or empty for five minutes", () => {
    assert.equal(parseCheckpointEvery("", "checkpoint-every"), 300);
    assert.equal(parseCheckpointEvery("90s", "checkpoint-every"), 90);
    assert.equal(parseCheckpointEvery(" OFF ", "checkpoint-every"), null);
    assert.throws(() => parseCheckpointEvery("5", "checkpoint-every"), /Add a unit, like 5m/);
    assert.throws(
      () => parseCheckpointEvery("0s", "--checkpoint-every"),
      /--checkpoint-every: "0s"/,
    );
  });
});
