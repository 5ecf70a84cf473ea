import { RUN_OUTCOMES, type RunOutcome } from "./markers.js";
import { runFigureProblems } from "./run-figures.js";
import { GOAL_STATES, type GoalState } from "./states.js";

/** The figures an agent reports about its run (src/agent/stats.ts), as a stats record keeps them. */
export interface AgentFigures {
  iterations: number | null;
  tokens: {
    input: number | null;
    output: number | null;
    cache_read: number | null;
    cache_create: number | null;
  };
  cost_usd: number | null;
  time_seconds: {
    llm: number | null;
    tools: number | null;
    other: number | null;
    total: number | null;
  };
}

/** The stats record of one run (design §6); unknown figures are null, never 0. */
export interface RunStatsRecord extends AgentFigures {
  v: 1;
  repository: string;
  goal: number;
  story: number | null;
  attempt: number;
  outcome: RunOutcome;
  reason: string;
  started_at: string;
  finished_at: string;
  wall_seconds: number;
  agent_seconds: number | null;
  overhead_seconds: number | null;
  agent_exit_code: number | null;
  exit_reason: string | null;
  lines_added: number | null;
  lines_deleted: number | null;
  files_changed: number | null;
  model: string;
  reasoning: string;
  pr_url: string | null;
  /**
   * The state the run left the goal in. Only the runner's stats.jsonl has it (it is known after
   * the run-result comment is written); read from markers, the goal's label says it.
   */
  goal_state?: GoalState | null;
}

/**
 * Stats records as read back (design §6), from a local stats.jsonl or from run-result markers.
 * Records come from other machines and older versions: a record needs the fields that place a
 * run (repository, goal, attempt, outcome, times); any figure missing or of the wrong type is
 * unknown (null), never 0. The agent's own figures get the runner's check (src/core/run-figures.ts):
 * a cost, token count or iteration count out of range (an old or forged marker) makes all of
 * them unknown, as the runner records an agent whose stats are invalid, so the run's cost then
 * counts against the budget by an estimate rather than by what the record says.
 */

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const numberOrNull = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) ? value : null;
const stringOrNull = (value: unknown) => (typeof value === "string" ? value : null);
const secondsOrNull = (value: unknown) => {
  const seconds = numberOrNull(value);
  return seconds !== null && seconds >= 0 ? seconds : null;
};
const isTime = (value: unknown): value is string =>
  typeof value === "string" && !Number.isNaN(Date.parse(value));

/** A stats record from any JSON value, or null when it cannot place the run. */
export function parseStatsRecord(value: unknown): RunStatsRecord | null {
  if (!isObject(value)) return null;
  const { repository, goal, attempt, outcome, started_at, finished_at } = value;
  if (typeof repository !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(repository)) return null;
  if (!Number.isSafeInteger(goal) || (goal as number) < 1) return null;
  if (!Number.isSafeInteger(attempt) || (attempt as number) < 1) return null;
  if (!(RUN_OUTCOMES as readonly unknown[]).includes(outcome)) return null;
  if (!isTime(started_at) || !isTime(finished_at)) return null;
  const tokens = isObject(value.tokens) ? value.tokens : {};
  const time = isObject(value.time_seconds) ? value.time_seconds : {};
  const wall = numberOrNull(value.wall_seconds);
  const record: RunStatsRecord = {
    v: 1,
    repository,
    goal: goal as number,
    story: Number.isSafeInteger(value.story) ? (value.story as number) : null,
    attempt: attempt as number,
    outcome: outcome as RunStatsRecord["outcome"],
    reason: stringOrNull(value.reason) ?? "",
    started_at,
    finished_at,
    wall_seconds: wall ?? (Date.parse(finished_at) - Date.parse(started_at)) / 1000,
    agent_seconds: secondsOrNull(value.agent_seconds),
    overhead_seconds: numberOrNull(value.overhead_seconds),
    agent_exit_code: numberOrNull(value.agent_exit_code),
    exit_reason: stringOrNull(value.exit_reason),
    iterations: numberOrNull(value.iterations),
    tokens: {
      input: numberOrNull(tokens.input),
      output: numberOrNull(tokens.output),
      cache_read: numberOrNull(tokens.cache_read),
      cache_create: numberOrNull(tokens.cache_create),
    },
    cost_usd: numberOrNull(value.cost_usd),
    time_seconds: {
      llm: numberOrNull(time.llm),
      tools: numberOrNull(time.tools),
      other: numberOrNull(time.other),
      total: numberOrNull(time.total),
    },
    lines_added: numberOrNull(value.lines_added),
    lines_deleted: numberOrNull(value.lines_deleted),
    files_changed: numberOrNull(value.files_changed),
    model: stringOrNull(value.model) ?? "unknown",
    reasoning: stringOrNull(value.reasoning) ?? "unknown",
    pr_url: stringOrNull(value.pr_url),
  };
  if (runFigureProblems(value).length > 0) {
    // What buildStatsRecord takes from the agent's stats, all unknown, as when they are invalid.
    record.exit_reason = null;
    record.iterations = null;
    record.tokens = { input: null, output: null, cache_read: null, cache_create: null };
    record.cost_usd = null;
    record.time_seconds = { llm: null, tools: null, other: null, total: null };
  }
  if ((GOAL_STATES as readonly unknown[]).includes(value.goal_state)) {
    record.goal_state = value.goal_state as GoalState;
  }
  return record;
}

export interface ParsedStatsFile {
  records: RunStatsRecord[];
  /** Lines that are not stats records, as "line N: why", so the reader can say what it skipped. */
  skipped: string[];
}

/** Every record of a stats.jsonl text; blank lines are fine, bad lines are skipped and listed. */
export function parseStatsLines(text: string): ParsedStatsFile {
  const records: RunStatsRecord[] = [];
  const skipped: string[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped.push(`line ${index + 1}: not JSON`);
      return;
    }
    const record = parseStatsRecord(value);
    if (record) records.push(record);
    else
      skipped.push(
        `line ${index + 1}: not a stats record (needs repository, goal, attempt, outcome, started_at, finished_at)`,
      );
  });
  return { records, skipped };
}
