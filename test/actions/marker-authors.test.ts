import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type ActionRun, runActionBundle } from "../helpers/action-runner.js";
import { goalHelpers } from "../helpers/goals.js";
import { spentByOldBot, worldWithOldBot } from "../helpers/old-identity.js";
import type { Account, TestWorld } from "../helpers/world.js";

// The settings file's marker-authors, honoured by the bundled dispatcher and runner: markers
// written by the orchestrator's earlier account (old-bot) count when the repository's
// .github/goal-orchestrator.yml lists it, and are ignored when it does not. What a dispatch
// cycle does with and without marker-authors is tested in-process in
// test/flows/dispatch-marker-authors.test.ts.

const owner = "acme";
const repo = "widgets";
let w: TestWorld;
let oldBot: Account;

beforeEach(async () => {
  ({ world: w, oldBot } = await worldWithOldBot());
});
afterEach(() => w.close());

const { claimedGoal, stateLabels } = goalHelpers(() => w);

const env = () => w.stepEnv(700);

describe("the dispatcher with marker-authors", () => {
  function dispatch(): Promise<ActionRun> {
    return w.dispatch({ max: "2" }, { runId: 700 });
  }

  function matrix(result: ActionRun) {
    assert.equal(result.code, 0, result.stdout + result.stderr);
    return (
      JSON.parse(result.outputs.matrix ?? "") as {
        include: Array<{ goal: number; attempt: number }>;
      }
    ).include.map((entry) => [entry.goal, entry.attempt]);
  }

  it("counts old-bot's failed attempts toward max-attempts", async () => {
    await w.settingsFile("marker-authors: old-bot\n");
    const spent = await spentByOldBot(w, oldBot);
    const result = await dispatch();
    // Why it is stuck is tested in-process (test/flows/dispatch-marker-authors.test.ts).
    assert.deepEqual(matrix(result), [], "nothing left to claim");
    assert.deepEqual(await stateLabels(spent), ["goal:stuck"]);
  });
});

describe("the runner with marker-authors", () => {
  /** A goal:running goal whose live claim for attempt 1 old-bot wrote. */
  const claimedByOldBot = (title: string) =>
    claimedGoal(title, { claimant: oldBot.store, runId: "700" });

  const runInputs = (number: number, mode: string) => w.runnerInputs(number, mode);
  /** The bundled runner's main step on `number`, the agent committing. */
  const runMain = (number: number) =>
    runActionBundle(process.execPath, "run", runInputs(number, "commit"), env());

  const workspaceOf = (number: number) => join(w.dir, "work", owner, repo, String(number));

  it("works under old-bot's claim when the settings file lists old-bot", async () => {
    await w.settingsFile("marker-authors: old-bot\n");
    const number = await claimedByOldBot("Claimed by the old token");
    const result = await runMain(number);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.outputs.outcome, "success", result.stdout);
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    assert.equal(result.state["marker-authors"], '["old-bot"]', "kept for the post step");
  });

  it("without marker-authors, does not see old-bot's claim and leaves the goal alone", async () => {
    await w.settingsFile("model: sonnet\n");
    const number = await claimedByOldBot("Claimed by an untrusted account");
    const result = await runMain(number);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.outputs.outcome, "skipped");
    assert.match(result.stdout, /no live claim stands on it/);
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
    assert.ok(!existsSync(join(workspaceOf(number), "work")), "the agent never ran");
  });

  it("the post step cleans up under old-bot's claim with the marker-authors the main step saved", async () => {
    await w.settingsFile("marker-authors: old-bot\n");
    const number = await claimedByOldBot("Main step died under the old token's claim");
    // What a main step that died after it started leaves for the post step.
    const state = {
      isPost: "true",
      goal: String(number),
      attempt: "1",
      repository: `${owner}/${repo}`,
    };
    const inputs = runInputs(number, "commit");
    // Without old-bot among the saved marker authors, the post step sees no claim of its attempt…
    const untrusting = await runActionBundle(process.execPath, "run", inputs, env(), {
      state: { ...state, "marker-authors": "[]" },
    });
    assert.equal(untrusting.code, 0, untrusting.stdout + untrusting.stderr);
    assert.match(untrusting.stdout, /nothing to clean up/);
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
    // …with it, the goal goes back to the queue without using the attempt.
    const post = await runActionBundle(process.execPath, "run", inputs, env(), {
      state: { ...state, "marker-authors": '["old-bot"]' },
    });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const result = (await w.store.getGoal(number)).markers.findLast(
      (marker) => marker.kind === "run-result",
    );
    assert.ok(result?.kind === "run-result");
    assert.equal(result.outcome, "interrupted");
    assert.equal(result.countsAsAttempt, false);
  });
});
