import type { GoalState } from "../core/states.js";
import type { RunStatsRecord } from "../core/stats-record.js";

/**
 * A figure summed over runs of which some may not know it. `total` adds only the runs that
 * know the figure; `unknown` counts the others, so a reader never mistakes a gap for zero.
 */
export interface PartialSum {
  total: number;
  /** Runs that reported the figure. */
  known: number;
  /** Runs that did not: the true total is at least `total`. */
  unknown: number;
}

/** Where a goal ended up, as far as the source knows. */
const GOAL_RESULTS = ["done", "spot-check", "stuck", "open"] as const;
export type GoalResult = (typeof GOAL_RESULTS)[number];

/** One goal's runs summed up. */
export interface GoalRow {
  repository: string;
  goal: number;
  title: string | null;
  url: string | null;
  result: GoalResult;
  /** Runs that used up an attempt (interrupted runs do not). */
  attempts: number;
  runs: number;
  wall_seconds: number;
  cost_usd: PartialSum;
  /** Input + output tokens. */
  tokens: PartialSum;
  lines_added: PartialSum;
  lines_deleted: PartialSum;
  pr_url: string | null;
  first_started_at: string;
  last_finished_at: string;
  /** When the successful run finished, for goals that are done. */
  done_at: string | null;
}

export interface StatsTotals {
  runs: number;
  goals: number;
  done: number;
  spot_check: number;
  stuck: number;
  open: number;
  /** Of the goals that reached an end (done, spot-check or stuck): the share done; null when none did. */
  success_rate: number | null;
  /** Of the goals that reached an end: the share stuck. */
  stuck_rate: number | null;
  /** Of all goals with runs: the share that needed more than one attempt. */
  retry_rate: number | null;
  cost_usd: PartialSum;
  /** Cost of the done goals (all their attempts) per done goal; unknown counts their runs without a cost. */
  cost_per_done_goal: { value: number | null; unknown: number };
  /** From a done goal's first run starting to its successful run finishing. */
  median_seconds_to_done: number | null;
  /** Done goals per UTC day over the days the report covers. */
  done_per_day: number | null;
  time_split: { llm: PartialSum; tools: PartialSum; overhead: PartialSum };
  /** Up to five goals with the highest known cost, most expensive first. */
  most_expensive: GoalRow[];
}

/** One UTC day; every day between the first and the last run appears, quiet days as zeros. */
export interface DayRow {
  /** YYYY-MM-DD (UTC). */
  day: string;
  runs: number;
  /** Goals whose successful run finished that day. */
  done: number;
  failed: number;
  cost_usd: PartialSum;
}

/** Goals waiting and running just after a state change. */
export interface QueuePoint {
  at: string;
  queued: number;
  running: number;
}

export interface StatsReport {
  v: 1;
  generated_at: string;
  /** Runs that finished before this time are left out; null: everything. */
  since: string | null;
  source: "local" | "github";
  repositories: string[];
  /** Oldest first (by finish time). */
  runs: RunStatsRecord[];
  /** Most recently active first. */
  goals: GoalRow[];
  totals: StatsTotals;
  days: DayRow[];
  /** Empty when the source has no state history (local stats files record runs only). */
  queue: QueuePoint[];
  /** Queued goals that a goal:stuck dependency holds back (GitHub source); absent in older reports. */
  blocked?: BlockedGoalRow[];
}

/** A queued goal that cannot run until a human acts on its stuck dependencies. */
export interface BlockedGoalRow {
  repository: string;
  goal: number;
  title: string;
  url: string;
  /** The stuck dependencies: `#12` in the goal's repository, else `owner/repo#12`. */
  by: string[];
}

/** A goal's state over time, rebuilt from its transition markers (GitHub source only). */
export interface GoalHistory {
  repository: string;
  goal: number;
  title: string;
  url: string;
  state: GoalState | null;
  /** The goal's state after each change, oldest first; the first entry is its creation. */
  timeline: Array<{ at: string; state: GoalState | null }>;
  /** A queued goal's dependencies that are goal:stuck, as the goal refers to them. */
  blockedBy?: string[];
}
