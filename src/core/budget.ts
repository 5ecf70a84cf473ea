import type { Settings } from "./settings.js";

export type Budget = NonNullable<Settings["budget"]>;

/** What a UTC day's runs cost so far, as far as they said. */
export interface DayCost {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Sum of the costs runs reported. */
  knownUsd: number;
  /** Runs that finished that day without a cost; they are not in knownUsd. */
  unknownRuns: number;
  runs: number;
}

/**
 * Whether new claims must wait for tomorrow (UTC): the recorded cost of today reached the
 * budget. Runs that reported no cost cannot count, and the message says so. Runs in flight
 * are not stopped; only new claims wait.
 */
export function budgetExhausted(budget: Budget | null, today: DayCost): string | null {
  if (budget === null || today.knownUsd < budget.amountUsd) return null;
  const unknown =
    today.unknownRuns > 0 ? ` (plus ${today.unknownRuns} run(s) that reported no cost)` : "";
  return `Today's recorded cost ${formatUsd(today.knownUsd)}${unknown} reached the budget of ${formatUsd(budget.amountUsd)}/day: nothing new is claimed until 00:00 UTC. Runs in flight finish.`;
}

/** `$5.50 + 1 run(s) without a cost of $20.00 (3 run(s))`: a day's cost for people. */
export function describeDayCost(today: DayCost, budget: Budget | null): string {
  const unknown = today.unknownRuns > 0 ? ` + ${today.unknownRuns} run(s) without a cost` : "";
  const limit = budget ? ` of ${formatUsd(budget.amountUsd)}` : "";
  return `${formatUsd(today.knownUsd)}${unknown}${limit} (${today.runs} run(s))`;
}

/** `$1,234.50`. */
export function formatUsd(amount: number): string {
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Start of the UTC day that `now` is in. */
export function utcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
