// Family 1, secrets in reach: a sandboxed agent reads every environ, cmdline and memory map in
// /proc it can, and every small file around its work tree, and uploads them. None of it may hold
// a secret of the runner (token, App key, ACTIONS_RUNTIME_TOKEN, job secrets).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  claimedGoal,
  filesOn,
  goalBranch,
  jobLog,
  lootJson,
  runGoal,
  sandboxMissing,
  worldPerTest,
} from "./harness.js";
import { assertNoBreach } from "./harness-breach.js";

const startWorld = worldPerTest();

describe("secrets in reach (isolation: sandbox)", { skip: sandboxMissing() ?? false }, () => {
  for (const app of [false, true]) {
    it(`finds no secret in /proc, its environment or the files around it${app ? " (GitHub App)" : ""}`, async () => {
      const world = await startWorld({ app });
      const goal = await claimedGoal(world, "Read the secrets");
      const run = await runGoal(world, { goal, agent: "secrets.mjs", isolation: "sandbox" });
      await assertNoBreach(world, run);
      const found = lootJson<{ processes: Record<string, unknown> }>(run, "secrets.json");
      assert.ok(found, "the agent reported what it read");
      assert.equal(run.main.outputs.outcome, "success", jobLog(run));
      const branch = goalBranch(world, goal);
      assert.ok(branch && filesOn(world, branch).includes("attack-secrets.txt"), jobLog(run));
    });
  }
});
