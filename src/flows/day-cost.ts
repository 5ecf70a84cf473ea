import { addUpDay, type DayCost, type RunCost, utcMidnight } from "../core/budget.js";
import type { GoalStore } from "../core/ports.js";
import { parseStatsRecord } from "../core/stats-record.js";

/**
 * The cost of the current UTC day: the run-result markers written since midnight (one request
 * per 100 comments of the day, whatever the size of the backlog). A result without stats (a lost
 * attempt the dispatcher recorded), or whose stats hold no valid cost, is a run of unknown cost:
 * it counts by an estimate (addUpDay): today's highest cost per agent-minute times its agent
 * minutes, or `unknownRunCostUsd` when either is unknown.
 */
export async function costOfToday(
  store: GoalStore,
  now: Date,
  unknownRunCostUsd: number,
): Promise<DayCost> {
  const midnight = utcMidnight(now);
  const runs: RunCost[] = [];
  for (const result of await store.runResultsSince(midnight)) {
    const record = result.stats ? parseStatsRecord(result.stats) : null;
    // A comment edited today may hold a result from before midnight.
    if (Date.parse(record?.finished_at ?? result.createdAt) < midnight.getTime()) continue;
    runs.push({ costUsd: record?.cost_usd ?? null, agentSeconds: record?.agent_seconds ?? null });
  }
  return addUpDay(midnight.toISOString().slice(0, 10), runs, unknownRunCostUsd);
}
