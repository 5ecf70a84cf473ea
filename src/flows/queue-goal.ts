import { UserError } from "../core/errors.js";
import type { GoalStore } from "../core/ports.js";
import { stateLabel } from "../core/states.js";

/**
 * A human marks a goal ready to run. A running goal is refused: its agent is still working,
 * and the dispatcher re-queues it by itself if that attempt fails or its lease runs out.
 */
export async function queueGoal(store: GoalStore, number: number) {
  const goal = await store.getGoal(number);
  if (goal.state === "running") {
    throw new UserError(
      `Goal #${number} is ${stateLabel("running")}: an agent is working on it. It returns to the queue by itself if this attempt fails.`,
    );
  }
  return store.transition(number, {
    to: "queued",
    expectedFrom: goal.state,
    reason: `queued by @${store.viewer}.`,
  });
}
