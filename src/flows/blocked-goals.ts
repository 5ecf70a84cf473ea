import { blockedMessage } from "../core/eligibility.js";
import { formatIssueRef } from "../core/issue-ref.js";
import type { GoalStore } from "../core/ports.js";
import type { BlockedGoal } from "./select-goals.js";

/** A queued goal held back by goal:stuck dependencies, as the dispatch report shows it. */
export interface BlockedEvent {
  number: number;
  title: string;
  url: string;
  /** The stuck dependencies, `#12` in the goal's repository, else `owner/repo#12`. */
  by: string[];
  /** Told in this cycle (a comment with a blocked marker); false: its markers already said so. */
  told: boolean;
}

/**
 * Comments once on each blocked goal that was not told yet (see core/eligibility.ts
 * blockedNotice); a dry run writes nothing. Goals already told cost nothing.
 */
export async function tellBlockedGoals(
  store: Pick<GoalStore, "recordMarker">,
  blocked: readonly BlockedGoal[],
  dryRun: boolean,
  log: (line: string) => void,
): Promise<BlockedEvent[]> {
  const events: BlockedEvent[] = [];
  for (const { goal, stuck, notice } of blocked) {
    const by = stuck.map((ref) => formatIssueRef(ref, goal.ref));
    events.push({ number: goal.ref.number, title: goal.title, url: goal.url, by, told: !!notice });
    if (!notice) continue;
    log(`#${goal.ref.number}: blocked by ${by.join(", ")} (goal:stuck)`);
    if (!dryRun) await store.recordMarker(goal.ref.number, blockedMessage(goal.ref, stuck), notice);
  }
  return events;
}
