import { type DayCost, utcMidnight } from "../core/budget.js";
import type { GoalStore } from "../core/ports.js";
import { statsFromGoals } from "../stats/from-goals.js";

/**
 * The recorded cost of the current UTC day, from the run-result markers of the goals changed
 * since midnight (a run's result comment changes its goal, so none is missed).
 */
export async function costOfToday(store: GoalStore, now: Date): Promise<DayCost> {
  const midnight = utcMidnight(now);
  const goals = [];
  for await (const goal of store.listGoalActivity(midnight)) goals.push(goal);
  const today = statsFromGoals(goals).runs.filter(
    (run) => Date.parse(run.finished_at) >= midnight.getTime(),
  );
  let knownUsd = 0;
  let unknownRuns = 0;
  for (const run of today) {
    if (run.cost_usd === null) unknownRuns += 1;
    else knownUsd += run.cost_usd;
  }
  return { day: midnight.toISOString().slice(0, 10), knownUsd, unknownRuns, runs: today.length };
}
