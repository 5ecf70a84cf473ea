import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { dispatchCycle } from "../helpers/dispatch-cycle.js";
import { goalHelpers } from "../helpers/goals.js";
import { spentByOldBot, worldWithOldBot } from "../helpers/old-identity.js";
import type { Account, TestWorld } from "../helpers/world.js";

// A dispatch cycle in-process with and without the settings' marker-authors: markers written by
// the orchestrator's earlier account (old-bot) count only when listed. That
// the settings file's marker-authors reach the bundled dispatcher is tested in
// test/actions/marker-authors.test.ts.

let w: TestWorld;
let oldBot: Account;

beforeEach(async () => {
  ({ world: w, oldBot } = await worldWithOldBot());
});
afterEach(() => w.close());

const { stateLabels } = goalHelpers(() => w);

describe("a dispatch cycle and marker-authors", () => {
  it("with old-bot listed, counts its failed attempts toward max-attempts", async () => {
    const spent = await spentByOldBot(w, oldBot);
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
    const spent = await spentByOldBot(w, oldBot);
    const { claims } = await dispatchCycle(w, { max: 2, maxAttempts: 3 }, { runId: 700 });
    assert.deepEqual(claims, [[spent, 1]], "old-bot's attempts do not count");
    assert.deepEqual(await stateLabels(spent), ["goal:running"]);
  });
});
