// Family 8, checkpoints: while the agent runs, the runner reads its repository every second
// and pushes its commits. Between checkpoints the agent flips its .git to a link to another
// repository's on this machine, or borrows that repository's objects through its alternates:
// no checkpoint may push anything of that repository, and the honest work still arrives.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  claimedGoal,
  goalBranch,
  jobLog,
  lootJson,
  runGoal,
  sandboxMissing,
  testGit,
  type World,
  worldPerTest,
} from "./harness.js";
import { assertNoProblems, breaches, expect } from "./harness-breach.js";
import { giveToRunner } from "./harness-step.js";

const startWorld = worldPerTest();

/**
 * Another repository's goal workspace on this machine (acme/gadgets#7), readable by the
 * runner's user as every workspace is, with a commit no one outside may see.
 */
function foreignRepository(w: World) {
  const work = join(w.paths.workspaceRoot, "acme", "gadgets", "7", "work");
  mkdirSync(work, { recursive: true });
  const secret = `foreign-secret-${randomBytes(12).toString("hex")}`;
  testGit(work, "init", "--quiet", "-b", "main");
  testGit(work, "config", "user.name", "Someone");
  testGit(work, "config", "user.email", "someone@example.com");
  writeFileSync(join(work, "private.txt"), `${secret}\n`);
  testGit(work, "add", "private.txt");
  testGit(work, "-c", "core.hooksPath=/dev/null", "commit", "--quiet", "-m", "private history");
  const commit = testGit(work, "rev-parse", "HEAD").trim();
  const objects = testGit(work, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    .split("\n")
    .filter(Boolean);
  giveToRunner(join(w.paths.workspaceRoot, "acme", "gadgets"));
  return {
    gitDir: join(work, ".git"),
    objects: join(work, ".git", "objects"),
    commit,
    secret,
    all: objects,
  };
}

/** Problems unless origin holds nothing of the foreign repository. */
function foreignProblems(w: World, foreign: ReturnType<typeof foreignRepository>): string[] {
  const problems: string[] = [];
  for (const object of foreign.all) {
    try {
      testGit(w.bare.gitDir, "cat-file", "-e", object);
      problems.push(`origin holds ${object} of the other repository`);
    } catch {}
  }
  const everything = testGit(w.bare.gitDir, "cat-file", "--batch-all-objects", "--batch");
  expect(
    problems,
    !everything.includes(foreign.secret),
    "origin holds the other repository's secret",
  );
  return problems;
}

describe("checkpoints while a hostile agent runs (isolation: sandbox)", {
  skip: sandboxMissing() ?? false,
}, () => {
  for (const mode of ["git-link", "alternates"]) {
    it(`${mode}: no checkpoint pushes another repository's objects`, async () => {
      const world = await startWorld();
      const foreign = foreignRepository(world);
      const goal = await claimedGoal(world, `Checkpoint ${mode}`);
      const run = await runGoal(world, {
        goal,
        agent: "checkpoint.mjs",
        isolation: "sandbox",
        inputs: { "checkpoint-every": "1s" },
        extra: {
          mode,
          foreign: { gitDir: foreign.gitDir, objects: foreign.objects, commit: foreign.commit },
          settleMs: 3000,
          windowMs: 5000,
        },
      });
      const problems = await breaches(world, run);
      problems.push(...foreignProblems(world, foreign));
      const log = jobLog(run);
      const done = lootJson<{ honest: string; flips: number }>(run, "checkpoint.json");
      expect(problems, done !== null, "the agent did not finish its attack");
      // The honest commit was checkpointed before the attack, and the attack was refused.
      expect(
        problems,
        done !== null &&
          log.includes(`checkpoint: the agent's commits up to ${done.honest.slice(0, 8)}`),
        "the honest commit was never checkpointed",
      );
      expect(
        problems,
        /::warning::#\d+: not checkpointed: /.test(log),
        "no checkpoint was refused",
      );
      expect(
        problems,
        run.main.outputs.outcome === "success",
        `outcome ${run.main.outputs.outcome}, not success`,
      );
      const branch = goalBranch(world, goal);
      const tip = branch
        ? testGit(world.bare.gitDir, "rev-parse", `refs/heads/${branch}`).trim()
        : null;
      expect(problems, done !== null && tip === done.honest, `origin's goal branch is at ${tip}`);
      assertNoProblems(problems, run, `checkpoint.mjs ${mode}`);
    });
  }
});
