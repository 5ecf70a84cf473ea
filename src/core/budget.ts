import { isRunCost, MAX_RUN_COST_USD } from "./run-figures.js";
import type { Settings } from "./settings.js";

export type Budget = NonNullable<Settings["budget"]>;

/** One run of the day, as far as its record says: null is unknown. */
export interface RunCost {
  costUsd: number | null;
  /** How long the agent ran (the runner measured it, not the agent). */
  agentSeconds: number | null;
}

/** What a UTC day's runs cost so far: what they reported, plus an estimate for the others. */
export interface DayCost {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Sum of the costs runs reported. */
  knownUsd: number;
  /** Runs that finished that day without a (valid) cost; they are not in knownUsd. */
  unknownRuns: number;
  /** What the unknown runs count for: every one of them is estimated (estimateRunCost). */
  estimatedUsd: number;
  /** The highest cost per agent-minute among the day's runs with a known cost and agent time. */
  usdPerAgentMinute: number | null;
  /** What an unknown run counts for when the rate or its agent time is unknown. */
  unknownRunCostUsd: number;
  runs: number;
}

const isSeconds = (value: number | null): value is number =>
  value !== null && Number.isFinite(value) && value >= 0;

/**
 * The highest cost per minute of agent time among `runs` with a known cost and a known, non-zero
 * agent time; null when there is none.
 */
export function highestUsdPerAgentMinute(runs: readonly RunCost[]): number | null {
  let highest: number | null = null;
  for (const run of runs) {
    if (!isRunCost(run.costUsd) || !isSeconds(run.agentSeconds) || run.agentSeconds === 0) continue;
    const rate = run.costUsd / (run.agentSeconds / 60);
    if (highest === null || rate > highest) highest = rate;
  }
  return highest;
}

/**
 * What a run of unknown cost counts for: `usdPerAgentMinute` times its agent minutes, at most
 * MAX_RUN_COST_USD; `unknownRunCostUsd` when the rate or its agent time is unknown.
 */
export function estimateRunCost(
  run: RunCost,
  usdPerAgentMinute: number | null,
  unknownRunCostUsd: number,
): number {
  if (usdPerAgentMinute === null || !isSeconds(run.agentSeconds)) return unknownRunCostUsd;
  return Math.min(MAX_RUN_COST_USD, usdPerAgentMinute * (run.agentSeconds / 60));
}

/**
 * A day's cost from its runs: the costs they reported, and for each run whose cost is unknown
 * (none, or not a cost one run may report: see run-figures.ts) an estimate (estimateRunCost)
 * at the day's highest cost per agent-minute.
 */
export function addUpDay(
  day: string,
  runs: readonly RunCost[],
  unknownRunCostUsd: number,
): DayCost {
  const rate = highestUsdPerAgentMinute(runs);
  let knownUsd = 0;
  let estimatedUsd = 0;
  let unknownRuns = 0;
  for (const run of runs) {
    if (isRunCost(run.costUsd)) knownUsd += run.costUsd;
    else {
      unknownRuns += 1;
      estimatedUsd += estimateRunCost(run, rate, unknownRunCostUsd);
    }
  }
  return {
    day,
    knownUsd,
    unknownRuns,
    estimatedUsd,
    usdPerAgentMinute: rate,
    unknownRunCostUsd,
    runs: runs.length,
  };
}

/** What the budget is measured against: the reported costs plus the estimates. */
export function dayTotalUsd(today: DayCost): number {
  return today.knownUsd + today.estimatedUsd;
}

/** `$5.00 estimated for 1 run(s) that reported no cost`. */
function estimatedPart(today: DayCost, runsWithout: string): string {
  return `${formatUsd(today.estimatedUsd)} estimated for ${today.unknownRuns} run(s) ${runsWithout}`;
}

/** How the unknown runs were estimated, for people: the rate or the flat cost. */
export function describeEstimate(today: DayCost): string {
  const flat = `${formatUsd(today.unknownRunCostUsd)} a run (unknown-run-cost)`;
  const rate =
    today.usdPerAgentMinute === null
      ? `no run today reported a cost and an agent time, so each counts ${flat}`
      : `each counts ${formatUsd(today.usdPerAgentMinute)} per agent-minute (the highest of today's runs with a cost), or ${flat} when its agent time is unknown`;
  return `${estimatedPart(today, "that reported no valid cost")}: ${rate}.`;
}

/**
 * Whether new claims must wait for tomorrow (UTC): today's cost, the estimates of the runs that
 * reported no cost included, reached the budget. Runs in flight are not stopped; only new claims
 * wait.
 */
export function budgetExhausted(budget: Budget | null, today: DayCost): string | null {
  if (budget === null || dayTotalUsd(today) < budget.amountUsd) return null;
  const cost =
    today.unknownRuns > 0
      ? `Today's cost ${formatUsd(dayTotalUsd(today))} (${formatUsd(today.knownUsd)} recorded + ${estimatedPart(today, "that reported no cost")})`
      : `Today's recorded cost ${formatUsd(today.knownUsd)}`;
  return `${cost} reached the budget of ${formatUsd(budget.amountUsd)}/day: nothing new is claimed until 00:00 UTC. Runs in flight finish.`;
}

/**
 * `$10.50 of $20.00 (3 run(s); $5.00 of it estimated for 1 run(s) without a cost)`: a day's
 * cost for people.
 */
export function describeDayCost(today: DayCost, budget: Budget | null): string {
  const limit = budget ? ` of ${formatUsd(budget.amountUsd)}` : "";
  const estimated =
    today.unknownRuns > 0
      ? `; ${formatUsd(today.estimatedUsd)} of it estimated for ${today.unknownRuns} run(s) without a cost`
      : "";
  return `${formatUsd(dayTotalUsd(today))}${limit} (${today.runs} run(s)${estimated})`;
}

/** `$1,234.50`. */
export function formatUsd(amount: number): string {
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Start of the UTC day that `now` is in. */
export function utcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
