// Family 5, workflow commands: a sandboxed agent prints every workflow command (behind spaces,
// after a carriage return, on stderr, without a final newline), appends recorded=true to the
// runner's GITHUB_STATE (and to GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH) if it can find them,
// then fails. None of it may act: the run is a failure, recorded once, the goal re-queued, and
// the post step sees only what the main step saved.
import { describe, it } from "node:test";
import {
  claimedGoal,
  runGoal,
  runResults,
  sandboxMissing,
  stateLabels,
  worldPerTest,
} from "./harness.js";
import { assertNoProblems, breaches, expect } from "./harness-breach.js";

const startWorld = worldPerTest();

describe("workflow commands from the agent (isolation: sandbox)", {
  skip: sandboxMissing() ?? false,
}, () => {
  it("no line it prints acts as a command, and the post step still behaves", async () => {
    const world = await startWorld();
    const goal = await claimedGoal(world, "Command the runner");
    const run = await runGoal(world, { goal, agent: "commands.mjs", isolation: "sandbox" });
    const problems = await breaches(world, run);
    const log = `${run.main.stdout}\n${run.main.stderr}`;
    expect(
      problems,
      log.includes(`${run.nonce} an agent error`),
      "the agent's lines never reached the job log: the attack proved nothing",
    );
    expect(
      problems,
      run.main.outputs.outcome === "failure",
      `outcome ${run.main.outputs.outcome}, not failure`,
    );
    expect(problems, run.post.code === 0, `the post step failed (${run.post.code})`);
    const results = (await runResults(world, goal)).filter((r) => r.attempt === 1);
    const summary = results.map((r) => `${r.outcome}/${r.countsAsAttempt}`).join(", ");
    expect(
      problems,
      results.length === 1 && results[0]?.outcome === "failure" && results[0].countsAsAttempt,
      `attempt 1 should have one counted failure, has: ${summary || "none"}`,
    );
    const labels = await stateLabels(world, goal);
    expect(
      problems,
      labels.join() === "goal:queued",
      `the goal is ${labels.join()}, not re-queued`,
    );
    assertNoProblems(problems, run, "commands.mjs (isolation: sandbox)");
  });
});
