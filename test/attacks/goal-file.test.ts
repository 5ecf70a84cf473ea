// Family 7, a symlinked goal file: origin's main holds .goal.md and goal.md as symbolic links
// to canary files outside the clone. The runner must not write through them, and the agent
// must still get the goal's text through GOAL_FILE, a file outside its work tree.

import { join } from "node:path";
import { describe, it } from "node:test";
import {
  claimedGoal,
  commitToMain,
  isolations,
  lootJson,
  runGoal,
  worldPerTest,
} from "./harness.js";
import { assertNoProblems, breaches, expect } from "./harness-breach.js";

const startWorld = worldPerTest();

interface GoalLoot {
  goalFile: string;
  cwd: string;
  insideWorkTree: boolean;
  text: string;
}

for (const { isolation, options } of isolations("sandbox", "none")) {
  describe(`a goal file name taken by a symbolic link (isolation: ${isolation})`, options, () => {
    it("writes nothing through the link, and the agent still gets the goal", async () => {
      const world = await startWorld();
      commitToMain(world, {
        symlinks: {
          ".goal.md": join(world.paths.canary, "goal-target.txt"),
          "goal.md": join(world.paths.canary, "goal-target-2.txt"),
        },
      });
      const goal = await claimedGoal(world, "Follow the link");
      const run = await runGoal(world, { goal, agent: "goal-link.mjs", isolation });
      const problems = await breaches(world, run); // the canaries are checked there
      const got = lootJson<GoalLoot>(run, "goal.json");
      expect(problems, got !== null, "the agent reported no goal file");
      if (got) {
        expect(
          problems,
          typeof got.text === "string" && got.text.includes(`# Goal #${goal}: Follow the link`),
          `GOAL_FILE (${got.goalFile}) did not give the goal: ${String(got.text).slice(0, 120)}`,
        );
        expect(
          problems,
          String(got.text).includes("Export the widget list as CSV"),
          "the goal file lacks the goal's objective",
        );
        expect(
          problems,
          !got.insideWorkTree,
          `GOAL_FILE ${got.goalFile} is inside the work tree ${got.cwd}`,
        );
      }
      const outcome = run.main.outputs.outcome;
      expect(problems, outcome === "success", `outcome ${outcome}, not success`);
      assertNoProblems(problems, run, `goal-link.mjs (isolation: ${isolation})`);
    });
  });
}
