import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, it } from "node:test";
import { orchestratorMain } from "../../src/cli/orchestrator.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { captureIo } from "../helpers/cli-io.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { type Receiver, startReceiver } from "../helpers/notify-receiver.js";
import { agentFlags, startWorld, type TestWorld } from "../helpers/world.js";

// The local loop sends the same notifications as the actions: here a goal that goes to
// spot-check, with the URL from GOAL_ORCHESTRATOR_NOTIFY_URL (a flag would show in `ps`).

let receiver: Receiver;

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
  receiver = await startReceiver();
});
afterEach(async () => {
  try {
    await receiver.close();
  } finally {
    await w.close();
  }
});

describe("orchestrator notifications", () => {
  it("notifies a goal that needs a spot-check, and never prints the URL", async () => {
    const { number } = await createGoal(w.store, {
      title: "Touch the workflows",
      body: GOAL_BODY,
      queue: true,
      spotCheck: false,
    });
    const { io, text } = captureIo();
    const code = await orchestratorMain(
      ["--once", "--clone-url", w.bare.gitDir, ...agentFlags("review"), "--notify-on", "done"],
      io,
      w.cliEnv({ GOAL_ORCHESTRATOR_NOTIFY_URL: receiver.url }),
      new EventEmitter(),
    );
    assert.equal(code, 0, text());
    assert.equal((await w.store.getGoal(number)).state, "spot-check");
    assert.equal(receiver.received.length, 1, text());
    assert.equal(receiver.received[0]?.headers.title, `Spot-check: acme/widgets#${number}`);
    assert.ok(!text().includes(receiver.topic), text());
  });
});
