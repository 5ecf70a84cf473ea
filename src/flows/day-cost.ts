import { type DayCost, utcMidnight } from "../core/budget.js";
import type { GoalStore } from "../core/ports.js";
import { parseStatsRecord } from "../stats/records.js";

/**
 * The recorded cost of the current UTC day: the run-result markers written since midnight
 * (one request per 100 comments of the day, whatever the size of the backlog). A result
 * without stats (a lost attempt the dispatcher recorded) is a run of unknown cost.
 */
export async function costOfToday(store: GoalStore, now: Date): Promise<DayCost> {
  const midnight = utcMidnight(now);
  let knownUsd = 0;
  let unknownRuns = 0;
  let runs = 0;
  for (const result of await store.runResultsSince(midnight)) {
    const record = result.stats ? parseStatsRecord(result.stats) : null;
    // A comment edited today may hold a result from before midnight.
    if (Date.parse(record?.finished_at ?? result.createdAt) < midnight.getTime()) continue;
    runs += 1;
    if (record?.cost_usd == null) unknownRuns += 1;
    else knownUsd += record.cost_usd;
  }
  return { day: midnight.toISOString().slice(0, 10), knownUsd, unknownRuns, runs };
}
