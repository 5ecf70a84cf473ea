// Family 6, merge policy: a change to .github/ (workflows, the settings file), a change bigger
// than spot-check-max-lines with origin/main, origin/HEAD and main moved to the agent's HEAD
// (and 0 lines claimed in its stats), and a symbolic link: each must end in spot-check, with a
// pull request that does not auto-merge, judged on the true diff against origin's base.
import { describe, it } from "node:test";
import {
  type AttackRun,
  claimedGoal,
  commitToMain,
  isolations,
  pullsOf,
  runGoal,
  runResults,
  stateLabels,
  type World,
  worldPerTest,
} from "./harness.js";
import { assertNoProblems, breaches, expect } from "./harness-breach.js";

const startWorld = worldPerTest();

/** Problems unless the run ended in spot-check with a PR that will not merge by itself. */
async function spotCheckProblems(w: World, run: AttackRun, problems: string[]) {
  expect(
    problems,
    run.main.outputs.outcome === "spot-check",
    `outcome ${run.main.outputs.outcome}, not spot-check`,
  );
  const labels = await stateLabels(w, run.goal);
  expect(problems, labels.join() === "goal:spot-check", `the goal is ${labels.join()}`);
  const pulls = await pullsOf(w, run.goal);
  expect(problems, pulls.length === 1, `${pulls.length} pull requests for the goal, not 1`);
  for (const pull of pulls) {
    expect(problems, !pull.auto_merge, `PR #${pull.number} has auto-merge enabled`);
    expect(problems, !pull.merged, `PR #${pull.number} was merged`);
  }
}

for (const { isolation, options } of isolations("sandbox", "none")) {
  describe(`merge policy (isolation: ${isolation})`, options, () => {
    it("a change to .github/workflows or .github/goal-orchestrator.yml needs a review", async () => {
      const world = await startWorld();
      commitToMain(world, { files: { ".github/goal-orchestrator.yml": "merge-method: squash\n" } });
      const goal = await claimedGoal(world, "Touch the workflows");
      const run = await runGoal(world, {
        goal,
        agent: "policy.mjs",
        isolation,
        extra: { mode: "paths" },
      });
      const problems = await breaches(world, run);
      await spotCheckProblems(world, run, problems);
      assertNoProblems(problems, run, `policy.mjs paths (isolation: ${isolation})`);
    });

    it("a big change is measured against origin's base, not the refs the agent moved", async () => {
      const world = await startWorld();
      const goal = await claimedGoal(world, "Hide a big change");
      const run = await runGoal(world, {
        goal,
        agent: "policy.mjs",
        isolation,
        extra: { mode: "lines" },
        inputs: { "spot-check-paths": ".github/**", "spot-check-max-lines": "50" },
      });
      const problems = await breaches(world, run);
      await spotCheckProblems(world, run, problems);
      const result = (await runResults(world, goal)).at(-1);
      const stats = (result?.stats ?? {}) as Record<string, unknown>;
      expect(problems, stats.lines_added === 200, `lines_added ${stats.lines_added}, not 200`);
      const output = run.main.outputs.stats ? JSON.parse(run.main.outputs.stats) : {};
      expect(problems, output.lines_added === 200, `the stats output says ${output.lines_added}`);
      assertNoProblems(problems, run, `policy.mjs lines (isolation: ${isolation})`);
    });

    it("a symbolic link in the change needs a review", async () => {
      const world = await startWorld();
      const goal = await claimedGoal(world, "Add a link");
      const run = await runGoal(world, {
        goal,
        agent: "policy.mjs",
        isolation,
        extra: { mode: "symlink" },
      });
      const problems = await breaches(world, run);
      await spotCheckProblems(world, run, problems);
      assertNoProblems(problems, run, `policy.mjs symlink (isolation: ${isolation})`);
    });
  });
}
