import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createGoal } from "../../src/flows/create-goal.js";
import type { GitHubClient } from "../../src/github/client.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import { dispatchCycle } from "../helpers/dispatch-cycle.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { goalHelpers } from "../helpers/goals.js";
import { failedAttemptsBy } from "../helpers/old-identity.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// A dispatch cycle in-process with and without the settings' marker-authors: markers written by
// the orchestrator's earlier account (old-bot) count only when listed. That
// the settings file's marker-authors reach the bundled dispatcher is tested in
// test/actions/marker-authors.test.ts.

let oldBot: { client: GitHubClient; store: GitHubGoalStore; token: string };
let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
  oldBot = await w.as("old-bot", "write");
});
afterEach(() => w.close());

const { stateLabels } = goalHelpers(() => w);

/** A queued goal whose three attempts old-bot claimed, and recorded as failed. */
async function spentByOldBot() {
  const { number } = await createGoal(w.store, {
    title: "Failed three times under the old token",
    body: GOAL_BODY,
    queue: true,
    spotCheck: false,
  });
  await failedAttemptsBy(oldBot.store, number, (attempt) => ({ runId: String(attempt) }));
  return number;
}

describe("a dispatch cycle and marker-authors", () => {
  it("with old-bot listed, counts its failed attempts toward max-attempts", async () => {
    const spent = await spentByOldBot();
    const { matrix } = await dispatchCycle(
      w,
      { max: 2, maxAttempts: 3 },
      { runId: 700, markerAuthors: ["old-bot"] },
    );
    assert.deepEqual(matrix, [], "nothing left to claim");
    assert.deepEqual(await stateLabels(spent), ["goal:stuck"]);
    const reasons = (await w.store.getGoal(spent)).markers.flatMap((m) =>
      m.kind === "transition" ? [m.reason] : [],
    );
    assert.ok(
      reasons.some((reason) => /used all 3 of its attempts/.test(reason)),
      reasons.join(" | "),
    );
  });

  it("without marker-authors, ignores old-bot's markers", async () => {
    const spent = await spentByOldBot();
    const { claims } = await dispatchCycle(w, { max: 2, maxAttempts: 3 }, { runId: 700 });
    assert.deepEqual(claims, [[spent, 1]], "old-bot's attempts do not count");
    assert.deepEqual(await stateLabels(spent), ["goal:running"]);
  });
});
