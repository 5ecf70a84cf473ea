import type { GoalState } from "../core/states.js";
import type { RunStatsRecord } from "../core/stats-record.js";
import type {
  DayRow,
  GoalHistory,
  GoalResult,
  GoalRow,
  PartialSum,
  QueuePoint,
  StatsReport,
  StatsTotals,
} from "./report-types.js";

/** Pure: everything `goal-stats` and the dashboard show, from run records and goal histories. */

export interface ReportInput {
  runs: readonly RunStatsRecord[];
  /** State histories (GitHub source); none for local stats files. */
  histories?: readonly GoalHistory[];
  source: "local" | "github";
  /** Leave out runs that finished before this time. */
  since: Date | null;
  now: Date;
}

const MOST_EXPENSIVE = 5;
const DAY_MS = 86_400_000;

function emptySum(): PartialSum {
  return { total: 0, known: 0, unknown: 0 };
}

/** Adds one run's figure: null counts as unknown, never as 0. */
function addTo(sum: PartialSum, value: number | null | undefined): PartialSum {
  if (typeof value === "number" && Number.isFinite(value)) {
    sum.total += value;
    sum.known += 1;
  } else {
    sum.unknown += 1;
  }
  return sum;
}

function sumOf<T>(items: readonly T[], figure: (item: T) => number | null | undefined) {
  const sum = emptySum();
  for (const item of items) addTo(sum, figure(item));
  return sum;
}

function mergeSums(sums: readonly PartialSum[]): PartialSum {
  const merged = emptySum();
  for (const sum of sums) {
    merged.total += sum.total;
    merged.known += sum.known;
    merged.unknown += sum.unknown;
  }
  return merged;
}

function goalKey(repository: string, goal: number): string {
  return `${repository.toLowerCase()}#${goal}`;
}

/** YYYY-MM-DD of a time, in UTC. */
function utcDay(time: string | Date): string {
  return new Date(time).toISOString().slice(0, 10);
}

export function buildReport(input: ReportInput): StatsReport {
  const sinceMs = input.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const runs = input.runs
    .filter((run) => Date.parse(run.finished_at) >= sinceMs)
    .slice()
    .sort((a, b) => Date.parse(a.finished_at) - Date.parse(b.finished_at));
  const histories = new Map(
    (input.histories ?? []).map((history) => [goalKey(history.repository, history.goal), history]),
  );

  const runsByGoal = new Map<string, RunStatsRecord[]>();
  for (const run of runs) {
    const key = goalKey(run.repository, run.goal);
    const list = runsByGoal.get(key) ?? [];
    list.push(run);
    runsByGoal.set(key, list);
  }
  const goals = [...runsByGoal.entries()]
    .map(([key, goalRuns]) => goalRow(goalRuns, histories.get(key) ?? null))
    .sort((a, b) => Date.parse(b.last_finished_at) - Date.parse(a.last_finished_at));

  const days = dayRows(runs, goals);
  const repositories = [
    ...new Set([
      ...runs.map((run) => run.repository),
      ...[...histories.values()].map((history) => history.repository),
    ]),
  ].sort();
  return {
    v: 1,
    generated_at: input.now.toISOString(),
    since: input.since?.toISOString() ?? null,
    source: input.source,
    repositories,
    runs,
    goals,
    totals: totals(runs, goals, days),
    days,
    queue: queueDepth([...histories.values()], sinceMs),
    blocked: [...histories.values()].flatMap((history) =>
      history.state === "queued" && history.blockedBy && history.blockedBy.length > 0
        ? [
            {
              repository: history.repository,
              goal: history.goal,
              title: history.title,
              url: history.url,
              by: history.blockedBy,
            },
          ]
        : [],
    ),
  };
}

function goalRow(runs: RunStatsRecord[], history: GoalHistory | null): GoalRow {
  const first = runs[0] as RunStatsRecord;
  const last = runs[runs.length - 1] as RunStatsRecord;
  const pr = [...runs].reverse().find((run) => run.pr_url !== null);
  return {
    repository: first.repository,
    goal: first.goal,
    title: history?.title ?? null,
    url: history?.url ?? null,
    result: history ? resultOfState(history.state) : resultOfRuns(runs),
    attempts: runs.filter((run) => run.outcome !== "interrupted").length,
    runs: runs.length,
    wall_seconds: runs.reduce((total, run) => total + run.wall_seconds, 0),
    cost_usd: sumOf(runs, (run) => run.cost_usd),
    tokens: sumOf(runs, tokenCount),
    lines_added: sumOf(runs, (run) => run.lines_added),
    lines_deleted: sumOf(runs, (run) => run.lines_deleted),
    pr_url: pr?.pr_url ?? null,
    first_started_at: new Date(
      runs.map((run) => Date.parse(run.started_at)).reduce((a, b) => Math.min(a, b)),
    ).toISOString(),
    last_finished_at: last.finished_at,
    done_at: doneAt(runs, history),
  };
}

/**
 * When the goal became done: with a state history, its last move to done (a spot-check goal
 * a reviewer approved is done without a successful run); else its successful run's finish.
 */
function doneAt(runs: readonly RunStatsRecord[], history: GoalHistory | null): string | null {
  if (history) {
    if (history.state !== "done") return null;
    return history.timeline.findLast((entry) => entry.state === "done")?.at ?? null;
  }
  return runs.find((run) => run.outcome === "success")?.finished_at ?? null;
}

/** Input + output tokens of one run; unknown when either is. */
function tokenCount(run: RunStatsRecord): number | null {
  const { input, output } = run.tokens;
  return input === null || output === null ? null : input + output;
}

function resultOfState(state: GoalState | null): GoalResult {
  if (state === "done" || state === "spot-check" || state === "stuck") return state;
  return "open";
}

/**
 * Without state history, the runs tell: a success is done, a spot-check waits for review, and a
 * failure that left the goal stuck says so in its record; anything else may still run again.
 */
function resultOfRuns(runs: readonly RunStatsRecord[]): GoalResult {
  const last = runs[runs.length - 1] as RunStatsRecord;
  if (runs.some((run) => run.outcome === "success")) return "done";
  if (last.outcome === "spot-check") return "spot-check";
  if (last.outcome === "failure" && last.goal_state === "stuck") return "stuck";
  return "open";
}

function dayRows(runs: readonly RunStatsRecord[], goals: readonly GoalRow[]): DayRow[] {
  if (runs.length === 0) return [];
  // A reviewed goal may become done days after its last run: its day belongs in the range.
  const days = [
    ...runs.map((run) => run.finished_at),
    ...goals.flatMap((goal) => (goal.done_at === null ? [] : [goal.done_at])),
  ].map((time) => Date.parse(utcDay(time)));
  // reduce, not Math.min(...days): a long history would overflow the argument list.
  const firstDay = days.reduce((a, b) => Math.min(a, b));
  const lastDay = days.reduce((a, b) => Math.max(a, b));
  const rows = new Map<string, DayRow>();
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const key = utcDay(new Date(day));
    rows.set(key, { day: key, runs: 0, done: 0, failed: 0, cost_usd: emptySum() });
  }
  for (const run of runs) {
    const row = rows.get(utcDay(run.finished_at)) as DayRow;
    row.runs += 1;
    if (run.outcome === "failure") row.failed += 1;
    addTo(row.cost_usd, run.cost_usd);
  }
  for (const goal of goals) {
    if (goal.result === "done" && goal.done_at !== null) {
      const row = rows.get(utcDay(goal.done_at));
      if (row) row.done += 1;
    }
  }
  return [...rows.values()];
}

function totals(
  runs: readonly RunStatsRecord[],
  goals: readonly GoalRow[],
  days: readonly DayRow[],
): StatsTotals {
  const count = (result: GoalResult) => goals.filter((goal) => goal.result === result).length;
  const done = goals.filter((goal) => goal.result === "done");
  const ended = count("done") + count("spot-check") + count("stuck");
  const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const doneCost = mergeSums(done.map((goal) => goal.cost_usd));
  const expensive = goals
    .filter((goal) => goal.cost_usd.known > 0)
    .sort((a, b) => b.cost_usd.total - a.cost_usd.total)
    .slice(0, MOST_EXPENSIVE);
  return {
    runs: runs.length,
    goals: goals.length,
    done: done.length,
    spot_check: count("spot-check"),
    stuck: count("stuck"),
    open: count("open"),
    success_rate: ratio(done.length, ended),
    stuck_rate: ratio(count("stuck"), ended),
    retry_rate: ratio(goals.filter((goal) => goal.attempts > 1).length, goals.length),
    cost_usd: sumOf(runs, (run) => run.cost_usd),
    cost_per_done_goal: {
      value: done.length === 0 || doneCost.known === 0 ? null : doneCost.total / done.length,
      unknown: doneCost.unknown,
    },
    median_seconds_to_done: median(
      done.flatMap((goal) =>
        goal.done_at === null
          ? []
          : [(Date.parse(goal.done_at) - Date.parse(goal.first_started_at)) / 1000],
      ),
    ),
    done_per_day: days.length === 0 ? null : done.length / days.length,
    time_split: {
      llm: sumOf(runs, (run) => run.time_seconds.llm),
      tools: sumOf(runs, (run) => run.time_seconds.tools),
      overhead: sumOf(runs, (run) => run.overhead_seconds),
    },
    most_expensive: expensive,
  };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Goals queued and running after every state change of any goal, oldest first. Only changes
 * from `sinceMs` on are points, but the counts include goals that entered a state earlier.
 */
function queueDepth(histories: readonly GoalHistory[], sinceMs: number): QueuePoint[] {
  const changes = histories
    .flatMap((history) =>
      history.timeline.map((entry, index) => ({
        at: entry.at,
        from: index === 0 ? null : (history.timeline[index - 1]?.state ?? null),
        to: entry.state,
      })),
    )
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const points: QueuePoint[] = [];
  let queued = 0;
  let running = 0;
  for (const change of changes) {
    if (change.from === "queued") queued -= 1;
    if (change.from === "running") running -= 1;
    if (change.to === "queued") queued += 1;
    if (change.to === "running") running += 1;
    if (Date.parse(change.at) < sinceMs) continue;
    const point = { at: change.at, queued, running };
    // Changes at the same instant make one point.
    const previous = points[points.length - 1];
    if (previous?.at === change.at) points[points.length - 1] = point;
    else points.push(point);
  }
  return points;
}

/**
 * A goal's state over time from its transition markers: it was created in the state the first
 * change left (or, with no change, the state it has now).
 */
export function goalTimeline(
  createdAt: string,
  current: GoalState | null,
  transitions: ReadonlyArray<{ at: string; from: GoalState | null; to: GoalState }>,
): GoalHistory["timeline"] {
  const first = transitions[0];
  return [
    { at: createdAt, state: first ? first.from : current },
    ...transitions.map((change) => ({ at: change.at, state: change.to })),
  ];
}
