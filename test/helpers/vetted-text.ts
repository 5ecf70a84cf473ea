import type { GoalStore } from "../../src/core/ports.js";
import { textFingerprint } from "../../src/core/vouching.js";

/** The claim fields of a dispatcher that vetted the goal's current text (core/vouching.ts). */
export async function vettedText(
  store: GoalStore,
  number: number,
): Promise<{ textFingerprint: string; vouchedBy: string }> {
  const goal = await store.getGoal(number);
  return { textFingerprint: textFingerprint(goal.title, goal.body), vouchedBy: store.viewer };
}
