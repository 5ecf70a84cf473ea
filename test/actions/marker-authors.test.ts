import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { GitHubClient } from "../../src/github/client.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import { type ActionRun, runActionBundle } from "../helpers/action-runner.js";
import { goalHelpers, hoursFromNow } from "../helpers/goals.js";
import { failedAttemptsBy } from "../helpers/old-identity.js";
import { vettedText } from "../helpers/vetted-text.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// The settings file's marker-authors, honoured by the bundled dispatcher and runner: markers
// written by the orchestrator's earlier account (old-bot) count when the repository's
// .github/goal-orchestrator.yml lists it, and are ignored when it does not. A cycle without
// marker-authors is tested in-process in test/flows/dispatch-marker-authors.test.ts.

const owner = "acme";
const repo = "widgets";
/** The orchestrator's account before (a PAT's, say, before a switch to an App). */
let oldBot: { client: GitHubClient; store: GitHubGoalStore; token: string };

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
  oldBot = await w.as("old-bot", "write");
});
afterEach(() => w.close());

const { goal: queued, stateLabels } = goalHelpers(() => w);

const env = () => w.stepEnv(700);

describe("the dispatcher with marker-authors", () => {
  /** A queued goal whose three attempts old-bot claimed, and recorded as failed. */
  async function spentByOldBot() {
    const number = await queued("Failed three times under the old token");
    await failedAttemptsBy(oldBot.store, number, (attempt) => ({ runId: String(attempt) }));
    return number;
  }

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
    const spent = await spentByOldBot();
    const result = await dispatch();
    assert.deepEqual(matrix(result), [], "nothing left to claim");
    assert.deepEqual(await stateLabels(spent), ["goal:stuck"]);
    const reasons = (await w.store.getGoal(spent)).markers.flatMap((m) =>
      m.kind === "transition" ? [m.reason] : [],
    );
    assert.ok(
      reasons.some((reason) => /used all 3 of its attempts/.test(reason)),
      reasons.join(" | "),
    );
  });
});

describe("the runner with marker-authors", () => {
  /** A goal:running goal whose live claim for attempt 1 old-bot wrote. */
  async function claimedByOldBot(title: string) {
    const number = await queued(title);
    await oldBot.store.recordMarker(number, "claim", {
      kind: "claim",
      attempt: 1,
      claimId: "old-bot-claim",
      claimedBy: { runId: "700" },
      claimedAt: new Date().toISOString(),
      leaseExpiresAt: hoursFromNow(2),
      ...(await vettedText(oldBot.store, number)),
    });
    await w.store.transition(number, {
      to: "running",
      expectedFrom: "queued",
      reason: "claimed",
    });
    return number;
  }

  const runInputs = (number: number, mode: string) => w.runnerInputs(number, mode);

  const workspaceOf = (number: number) => join(w.dir, "work", owner, repo, String(number));

  it("works under old-bot's claim when the settings file lists old-bot", async () => {
    await w.settingsFile("marker-authors: old-bot\n");
    const number = await claimedByOldBot("Claimed by the old token");
    const result = await runActionBundle(
      process.execPath,
      "run",
      runInputs(number, "commit"),
      env(),
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.outputs.outcome, "success", result.stdout);
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    assert.equal(result.state["marker-authors"], '["old-bot"]', "kept for the post step");
  });

  it("without marker-authors, does not see old-bot's claim and leaves the goal alone", async () => {
    await w.settingsFile("model: sonnet\n");
    const number = await claimedByOldBot("Claimed by an untrusted account");
    const result = await runActionBundle(
      process.execPath,
      "run",
      runInputs(number, "commit"),
      env(),
    );
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
