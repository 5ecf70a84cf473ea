import type { ClaimMarker } from "../../src/core/markers.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { GOAL_BODY } from "./github-fixture.js";
import { failedAttempts } from "./goals.js";
import { type Account, startWorld, type TestWorld } from "./world.js";

// What an earlier identity of the orchestrator (a token since replaced) left behind, for the
// marker-authors tests of the actions, the dispatcher in-process and the CLIs.

/** The orchestrator's account before (a PAT's, say, before a switch to an App). */
export const OLD_BOT = "old-bot";

/** A fresh test world in which old-bot may write to the repository, and old-bot. */
export async function worldWithOldBot(): Promise<{ world: TestWorld; oldBot: Account }> {
  const world = await startWorld();
  return { world, oldBot: await world.as(OLD_BOT, "write") };
}

/**
 * A queued goal whose three attempts old-bot claimed (each by `claimedBy(attempt)`: a workflow
 * run of its own by default), and recorded as failed.
 */
export async function spentByOldBot(
  world: TestWorld,
  oldBot: Account,
  claimedBy: (attempt: number) => ClaimMarker["claimedBy"] = (attempt) => ({
    runId: String(attempt),
  }),
): Promise<number> {
  const { number } = await createGoal(world.store, {
    title: "Failed three times under the old token",
    body: GOAL_BODY,
    queue: true,
    spotCheck: false,
  });
  await failedAttempts(oldBot.store, number, 3, claimedBy);
  return number;
}
