// StatsReport objects for the dashboard tests, written out by hand as the contract describes
// them (src/stats/report-types.ts), so these tests do not depend on buildReport.
import type { RunOutcome } from "../../src/core/markers.js";
import type { RunStatsRecord } from "../../src/core/stats-record.js";
import type {
  GoalRow,
  PartialSum,
  StatsReport,
  StatsTotals,
} from "../../src/stats/report-types.js";

export const REPO = "acme/widgets";
export const INJECTED_TITLE = `Fix "quoted" </script><img src=x onerror=alert(1)> it's <!-- here`;

const sum = (total: number, known: number, unknown: number): PartialSum => ({
  total,
  known,
  unknown,
});

interface RunSpec {
  goal: number;
  attempt: number;
  outcome: RunOutcome;
  start: string;
  minutes: number;
  /** null: the agent wrote no stats (cost, tokens, lines and the time split are unknown). */
  cost: number | null;
  pr?: number;
}

function run(spec: RunSpec): RunStatsRecord {
  const started = new Date(spec.start);
  const finished = new Date(started.getTime() + spec.minutes * 60_000);
  const wall = spec.minutes * 60;
  const known = spec.cost !== null;
  const agent = known ? wall - 120 : null;
  return {
    v: 1,
    repository: REPO,
    goal: spec.goal,
    story: 42,
    attempt: spec.attempt,
    outcome: spec.outcome,
    reason: spec.outcome,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    wall_seconds: wall,
    agent_seconds: agent,
    overhead_seconds: known ? 120 : null,
    agent_exit_code: known ? 0 : null,
    exit_reason: known ? "done" : null,
    iterations: known ? 12 : null,
    tokens: known
      ? { input: 100_000 * spec.attempt, output: 8_000, cache_read: 50_000, cache_create: 2_000 }
      : { input: null, output: null, cache_read: null, cache_create: null },
    cost_usd: spec.cost,
    time_seconds: known
      ? { llm: (wall - 120) * 0.6, tools: (wall - 120) * 0.4, other: 0, total: wall - 120 }
      : { llm: null, tools: null, other: null, total: null },
    lines_added: known ? 40 * spec.attempt : null,
    lines_deleted: known ? 5 : null,
    files_changed: known ? 3 : null,
    model: "sonnet",
    reasoning: "med",
    pr_url: spec.pr ? `https://github.com/${REPO}/pull/${spec.pr}` : null,
  };
}

/** Nine runs over six UTC days (one quiet, one whose only run has no cost) and six goals. */
export const RUNS: RunStatsRecord[] = [
  run({
    goal: 101,
    attempt: 1,
    outcome: "success",
    start: "2026-11-01T09:00:00Z",
    minutes: 40,
    cost: 1.25,
    pr: 201,
  }),
  run({
    goal: 102,
    attempt: 1,
    outcome: "failure",
    start: "2026-11-02T10:00:00Z",
    minutes: 30,
    cost: null,
  }),
  run({
    goal: 102,
    attempt: 2,
    outcome: "success",
    start: "2026-11-02T11:00:00Z",
    minutes: 50,
    cost: 2.5,
    pr: 202,
  }),
  run({
    goal: 103,
    attempt: 1,
    outcome: "failure",
    start: "2026-11-04T06:00:00Z",
    minutes: 60,
    cost: 0.8,
  }),
  run({
    goal: 103,
    attempt: 2,
    outcome: "failure",
    start: "2026-11-04T08:00:00Z",
    minutes: 60,
    cost: 0.9,
  }),
  run({
    goal: 103,
    attempt: 3,
    outcome: "failure",
    start: "2026-11-04T10:00:00Z",
    minutes: 60,
    cost: 1.1,
  }),
  run({
    goal: 104,
    attempt: 1,
    outcome: "spot-check",
    start: "2026-11-04T12:00:00Z",
    minutes: 60,
    cost: 3.4,
    pr: 204,
  }),
  run({
    goal: 105,
    attempt: 1,
    outcome: "interrupted",
    start: "2026-11-05T09:00:00Z",
    minutes: 10,
    cost: null,
  }),
  run({
    goal: 106,
    attempt: 1,
    outcome: "success",
    start: "2026-11-06T14:00:00Z",
    minutes: 20,
    cost: 0.4,
    pr: 206,
  }),
];

function goalRow(
  goal: number,
  title: string | null,
  result: GoalRow["result"],
  attempts: number,
  url: string | null = `https://github.com/${REPO}/issues/${goal}`,
): GoalRow {
  const runs = RUNS.filter((r) => r.goal === goal);
  const add = (figure: (r: RunStatsRecord) => number | null) => {
    const values = runs.map(figure);
    const known = values.filter((v): v is number => v !== null);
    return sum(
      known.reduce((a, b) => a + b, 0),
      known.length,
      values.length - known.length,
    );
  };
  const last = runs[runs.length - 1] as RunStatsRecord;
  return {
    repository: REPO,
    goal,
    title,
    url,
    result,
    attempts,
    runs: runs.length,
    wall_seconds: runs.reduce((a, r) => a + r.wall_seconds, 0),
    cost_usd: add((r) => r.cost_usd),
    tokens: add((r) =>
      r.tokens.input === null || r.tokens.output === null ? null : r.tokens.input + r.tokens.output,
    ),
    lines_added: add((r) => r.lines_added),
    lines_deleted: add((r) => r.lines_deleted),
    pr_url: [...runs].reverse().find((r) => r.pr_url)?.pr_url ?? null,
    first_started_at: (runs[0] as RunStatsRecord).started_at,
    last_finished_at: last.finished_at,
    done_at: result === "done" ? last.finished_at : null,
  };
}

/** Most recently active first. */
export const GOALS: GoalRow[] = [
  goalRow(106, "Bump dependencies", "done", 1),
  goalRow(105, "Docs: adopting guide", "open", 0),
  goalRow(104, "Rewrite the parser", "spot-check", 1),
  goalRow(103, "Flaky network tests", "stuck", 3),
  goalRow(102, INJECTED_TITLE, "done", 2),
  goalRow(101, "Add CSV export", "done", 1),
];

const goal = (n: number) => GOALS.find((g) => g.goal === n) as GoalRow;

export const TOTALS: StatsTotals = {
  runs: 9,
  goals: 6,
  done: 3,
  spot_check: 1,
  stuck: 1,
  open: 1,
  success_rate: 3 / 5,
  stuck_rate: 1 / 5,
  retry_rate: 2 / 6,
  cost_usd: sum(10.35, 7, 2),
  cost_per_done_goal: { value: (1.25 + 2.5 + 0.4) / 3, unknown: 1 },
  median_seconds_to_done: 2400,
  done_per_day: 3 / 6,
  time_split: {
    llm: sum(0.6 * (2280 + 2880 + 3 * 3480 + 3480 + 1080), 7, 2),
    tools: sum(0.4 * (2280 + 2880 + 3 * 3480 + 3480 + 1080), 7, 2),
    overhead: sum(7 * 120, 7, 2),
  },
  most_expensive: [goal(104), goal(103), goal(102), goal(101), goal(106)],
};

/** A new copy each time: a test may change it. */
export function githubReport(): StatsReport {
  return structuredClone({
    v: 1,
    generated_at: "2026-11-06T18:00:00.000Z",
    since: "2026-10-07T18:00:00.000Z",
    source: "github",
    repositories: [REPO],
    runs: RUNS,
    goals: GOALS,
    totals: TOTALS,
    days: [
      { day: "2026-11-01", runs: 1, done: 1, failed: 0, cost_usd: sum(1.25, 1, 0) },
      { day: "2026-11-02", runs: 2, done: 1, failed: 1, cost_usd: sum(2.5, 1, 1) },
      { day: "2026-11-03", runs: 0, done: 0, failed: 0, cost_usd: sum(0, 0, 0) },
      { day: "2026-11-04", runs: 4, done: 0, failed: 3, cost_usd: sum(6.2, 4, 0) },
      { day: "2026-11-05", runs: 1, done: 0, failed: 0, cost_usd: sum(0, 0, 1) },
      { day: "2026-11-06", runs: 1, done: 1, failed: 0, cost_usd: sum(0.4, 1, 0) },
    ],
    queue: [
      { at: "2026-11-01T08:00:00.000Z", queued: 3, running: 0 },
      { at: "2026-11-01T09:00:00.000Z", queued: 2, running: 1 },
      { at: "2026-11-01T09:40:00.000Z", queued: 2, running: 0 },
      { at: "2026-11-02T10:00:00.000Z", queued: 1, running: 1 },
      { at: "2026-11-02T10:30:00.000Z", queued: 2, running: 0 },
      { at: "2026-11-02T11:00:00.000Z", queued: 1, running: 1 },
      { at: "2026-11-02T11:50:00.000Z", queued: 1, running: 0 },
      { at: "2026-11-04T06:00:00.000Z", queued: 3, running: 1 },
      { at: "2026-11-04T11:00:00.000Z", queued: 2, running: 0 },
      { at: "2026-11-04T12:00:00.000Z", queued: 1, running: 1 },
      { at: "2026-11-04T13:00:00.000Z", queued: 1, running: 0 },
      { at: "2026-11-06T14:00:00.000Z", queued: 0, running: 1 },
      { at: "2026-11-06T14:20:00.000Z", queued: 0, running: 0 },
    ],
  } satisfies StatsReport);
}

/** The same runs as read from local stats files: no state history, no titles or issue links. */
export function localReport(): StatsReport {
  const report = githubReport();
  return {
    ...report,
    source: "local",
    since: null,
    goals: report.goals.map((g) => ({ ...g, title: null, url: null })),
    totals: {
      ...report.totals,
      most_expensive: report.totals.most_expensive.map((g) => ({ ...g, title: null, url: null })),
    },
    queue: [],
  };
}

/** Nothing ran. */
export function emptyReport(): StatsReport {
  const empty = sum(0, 0, 0);
  return {
    v: 1,
    generated_at: "2026-11-06T18:00:00.000Z",
    since: null,
    source: "local",
    repositories: [],
    runs: [],
    goals: [],
    totals: {
      runs: 0,
      goals: 0,
      done: 0,
      spot_check: 0,
      stuck: 0,
      open: 0,
      success_rate: null,
      stuck_rate: null,
      retry_rate: null,
      cost_usd: empty,
      cost_per_done_goal: { value: null, unknown: 0 },
      median_seconds_to_done: null,
      done_per_day: null,
      time_split: { llm: empty, tools: empty, overhead: empty },
      most_expensive: [],
    },
    days: [],
    queue: [],
  };
}
