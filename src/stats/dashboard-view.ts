/**
 * The dashboard's view: every figure, chart series and table row the page shows, formatted here
 * (unknown figures say so, never 0; only http(s) links pass) so that the page only displays it.
 * Pure: dashboard.ts turns it into the HTML page.
 */
import { formatUsd } from "../core/budget.js";
import type { RunStatsRecord } from "../core/stats-record.js";
import { formatPartialUsd, formatRate, plural } from "./format.js";
import type { GoalRow, PartialSum, StatsReport } from "./report-types.js";
import { CHART_JS_VERSION } from "./vendor/chart-js.js";

/** Goals in the cost-per-goal chart. */
export const COST_CHART_GOALS = 10;
/** Runs in the table, most recent first. */
const TABLE_RUNS = 300;

export interface Figure {
  label: string;
  value: string;
  /** Shown smaller after the value: "+ 3 runs unknown". */
  more: string | null;
  note: string | null;
  /** The value is, or includes, something the source did not report. */
  unknown: boolean;
}

export interface Cell {
  text: string;
  /** What the column sorts by; null (unknown) sorts last either way. */
  sort: number | string | null;
  href: string | null;
  unknown: boolean;
}

export interface Column {
  key: string;
  label: string;
  numeric: boolean;
}

export interface DashboardView {
  title: string;
  subtitle: string;
  headline: Figure[];
  rates: Figure[];
  doneByDay: { labels: string[]; values: number[] };
  /** null where every run of the day had an unknown cost; `unknown` counts such runs per day. */
  costByDay: {
    labels: string[];
    values: (number | null)[];
    unknown: number[];
    note: string | null;
  };
  costByGoal: {
    labels: string[];
    values: number[];
    unknown: number[];
    urls: (string | null)[];
    note: string | null;
  };
  /** null when the source has no state history. */
  queue: { points: { x: number; at: string; queued: number; running: number }[] } | null;
  split: { labels: string[]; seconds: number[]; note: string | null } | null;
  /** Queued goals held back by a goal:stuck dependency; null when the source has no states. */
  blocked: { items: Array<{ label: string; href: string | null; by: string }> } | null;
  columns: Column[];
  rows: Record<string, Cell>[];
  /** Runs in the report that the table leaves out (it shows the most recent). */
  rowsOmitted: number;
  library: string;
}

// ---------------------------------------------------------------------------------------------
// Formatting: unknown figures say so, never 0.

/** A partial sum as a figure: the known total, and what is missing after it. */
function partialFigure(label: string, sum: PartialSum, note: string | null): Figure {
  if (sum.unknown > 0 && sum.known > 0) {
    const more = `+ ${plural(sum.unknown, "run")} unknown`;
    return { label, value: formatUsd(sum.total), more, note, unknown: true };
  }
  return { label, value: formatPartialUsd(sum), more: null, note, unknown: sum.unknown > 0 };
}

/** `40 min`, `1 h 50 min`, `2 d 3 h`: a duration for people to read (core/duration.ts's
 * `formatDuration` writes the `1h50m` that settings accept). */
export function formatReadableDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "unknown";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) {
    const minutes = Math.round(s / 60);
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
  }
  const hours = Math.round(s / 3600);
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatCount(value: number | null): string {
  if (value === null) return "unknown";
  if (Math.abs(value) >= 1_000_000) return `${Math.round(value / 100_000) / 10}M`;
  if (Math.abs(value) >= 10_000) return `${Math.round(value / 1000)}k`;
  return value.toLocaleString("en-US");
}

/** Only http(s) links reach the page: a `javascript:` URL in the data is dropped. */
export function safeUrl(url: string | null | undefined): string | null {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;

// ---------------------------------------------------------------------------------------------
// The view.

function runTokens(run: RunStatsRecord): number | null {
  const { input, output } = run.tokens;
  return input === null || output === null ? null : input + output;
}

function goalLabel(report: StatsReport, repository: string, goal: number, title: string | null) {
  const ref = report.repositories.length > 1 ? `${repository}#${goal}` : `#${goal}`;
  return title ? `${ref} ${title}` : ref;
}

const cell = (
  text: string,
  sort: number | string | null,
  extra: Partial<Pick<Cell, "href" | "unknown">> = {},
): Cell => ({ text, sort, href: extra.href ?? null, unknown: extra.unknown ?? false });

const COLUMNS: Column[] = [
  { key: "finished", label: "finished (UTC)", numeric: false },
  { key: "goal", label: "goal", numeric: false },
  { key: "outcome", label: "outcome", numeric: false },
  { key: "attempt", label: "attempt", numeric: true },
  { key: "wall", label: "wall time", numeric: true },
  { key: "cost", label: "cost", numeric: true },
  { key: "tokens", label: "tokens", numeric: true },
  { key: "lines", label: "lines +/−", numeric: true },
  { key: "pr", label: "PR", numeric: false },
];

function runRow(report: StatsReport, run: RunStatsRecord, goals: Map<string, GoalRow>) {
  const goal = goals.get(`${run.repository}#${run.goal}`);
  const label = goalLabel(report, run.repository, run.goal, goal?.title ?? null);
  const tokens = runTokens(run);
  const lines =
    run.lines_added === null || run.lines_deleted === null
      ? null
      : { added: run.lines_added, deleted: run.lines_deleted };
  const pr = safeUrl(run.pr_url);
  const prNumber = pr ? /\/pull\/(\d+)\/?$/.exec(pr)?.[1] : undefined;
  return {
    finished: cell(minute(run.finished_at), run.finished_at),
    goal: cell(label, label.toLowerCase(), { href: safeUrl(goal?.url) }),
    outcome: cell(run.outcome, run.outcome),
    attempt: cell(String(run.attempt), run.attempt),
    wall: cell(formatReadableDuration(run.wall_seconds), run.wall_seconds),
    cost: cell(run.cost_usd === null ? "unknown" : formatUsd(run.cost_usd), run.cost_usd, {
      unknown: run.cost_usd === null,
    }),
    tokens: cell(formatCount(tokens), tokens, { unknown: tokens === null }),
    lines: cell(
      lines ? `+${lines.added} −${lines.deleted}` : "unknown",
      lines ? lines.added + lines.deleted : null,
      { unknown: lines === null },
    ),
    pr: cell(pr ? (prNumber ? `#${prNumber}` : "PR") : "—", pr, { href: pr }),
  };
}

export function buildDashboardView(report: StatsReport): DashboardView {
  const t = report.totals;
  const today = report.generated_at.slice(0, 10);
  const todayRow = report.days.find((day) => day.day === today);
  const repos = report.repositories.length > 0 ? report.repositories.join(", ") : "no repository";
  const costPerDone = t.cost_per_done_goal;

  const figure = (label: string, value: string, note: string | null = null): Figure => ({
    label,
    value,
    more: null,
    note,
    unknown: false,
  });
  const costPerDoneFigure: Figure =
    costPerDone.value === null
      ? {
          ...figure("cost per done goal", t.done === 0 ? "—" : "unknown"),
          note: t.done === 0 ? "no goal done yet" : "no run of a done goal reported a cost",
          unknown: t.done > 0,
        }
      : {
          ...figure("cost per done goal", formatUsd(costPerDone.value), "all attempts included"),
          more: costPerDone.unknown > 0 ? `+ ${plural(costPerDone.unknown, "run")} unknown` : null,
          unknown: costPerDone.unknown > 0,
        };

  const headline: Figure[] = [
    figure("runs", formatCount(t.runs)),
    figure(
      "goals done",
      String(t.done),
      `of ${plural(t.goals, "goal")}; ${t.stuck} stuck, ${t.spot_check} in spot-check, ${t.open} open`,
    ),
    figure(
      "success rate",
      formatRate(t.success_rate),
      t.success_rate === null ? "no goal has reached an end" : "of goals that ended",
    ),
    todayRow
      ? partialFigure("cost today", todayRow.cost_usd, `${plural(todayRow.runs, "run")} (${today})`)
      : figure("cost today", formatUsd(0), `no runs (${today})`),
    partialFigure("cost in total", t.cost_usd, `${plural(t.runs, "run")}`),
    costPerDoneFigure,
    figure(
      "median time to done",
      t.median_seconds_to_done === null ? "—" : formatReadableDuration(t.median_seconds_to_done),
      t.median_seconds_to_done === null ? "no goal done yet" : "first start to merge-ready",
    ),
  ];

  const rates: Figure[] = [
    figure("success", formatRate(t.success_rate), "done, of goals that ended"),
    figure("retry", formatRate(t.retry_rate), "needed more than one attempt"),
    figure("stuck", formatRate(t.stuck_rate), "stuck, of goals that ended"),
    figure(
      "done per day",
      t.done_per_day === null ? "—" : String(Math.round(t.done_per_day * 10) / 10),
      `over ${plural(report.days.length, "day")}`,
    ),
  ];
  const unknownDays = report.days.filter((day) => day.cost_usd.unknown > 0).length;
  const costByDay = {
    labels: report.days.map((day) => day.day),
    values: report.days.map((day) =>
      day.cost_usd.known === 0 && day.cost_usd.unknown > 0 ? null : day.cost_usd.total,
    ),
    unknown: report.days.map((day) => day.cost_usd.unknown),
    note:
      unknownDays > 0
        ? `${plural(unknownDays, "day")} include runs with an unknown cost (lighter bars; no bar: all unknown).`
        : null,
  };

  const costed = report.goals
    .filter((goal) => goal.cost_usd.known > 0)
    .sort((a, b) => b.cost_usd.total - a.cost_usd.total)
    .slice(0, COST_CHART_GOALS);
  const uncosted = report.goals.filter((g) => g.cost_usd.known === 0 && g.runs > 0).length;
  const partly = costed.filter((g) => g.cost_usd.unknown > 0).length;
  const goalNotes = [
    partly > 0
      ? `${plural(partly, "goal")} shown also had runs with an unknown cost (lighter bars).`
      : "",
    uncosted > 0 ? `${plural(uncosted, "goal")} with no known cost not shown.` : "",
  ].filter(Boolean);
  const costByGoal = {
    labels: costed.map((goal) => goalLabel(report, goal.repository, goal.goal, goal.title)),
    values: costed.map((goal) => goal.cost_usd.total),
    unknown: costed.map((goal) => goal.cost_usd.unknown),
    urls: costed.map((goal) => safeUrl(goal.url)),
    note: goalNotes.length > 0 ? goalNotes.join(" ") : null,
  };

  const queue =
    report.queue.length === 0
      ? null
      : {
          points: report.queue.map((point) => ({
            x: Date.parse(point.at),
            at: minute(point.at),
            queued: point.queued,
            running: point.running,
          })),
        };

  const split = t.time_split;
  const parts = [split.llm, split.tools, split.overhead];
  const splitUnknown = Math.max(...parts.map((part) => part.unknown));
  const splitView = parts.every((part) => part.known === 0)
    ? null
    : {
        labels: ["LLM", "tools", "overhead"],
        seconds: parts.map((part) => part.total),
        note:
          splitUnknown > 0
            ? `${plural(splitUnknown, "run")} did not report the split: the shares cover the runs that did.`
            : null,
      };

  const goals = new Map(report.goals.map((goal) => [`${goal.repository}#${goal.goal}`, goal]));
  const recent = report.runs.slice(-TABLE_RUNS).reverse();

  return {
    title: `Goal stats — ${repos}`,
    subtitle: [
      `generated ${minute(report.generated_at)} UTC`,
      `source: ${report.source}`,
      report.since ? `runs since ${minute(report.since)} UTC` : "all runs",
    ].join(" · "),
    headline,
    rates,
    doneByDay: {
      labels: report.days.map((day) => day.day),
      values: report.days.map((day) => day.done),
    },
    costByDay,
    costByGoal,
    queue,
    split: splitView,
    blocked:
      report.source === "github"
        ? {
            items: (report.blocked ?? []).map((goal) => ({
              label: goalLabel(report, goal.repository, goal.goal, goal.title),
              href: safeUrl(goal.url),
              by: goal.by.join(", "),
            })),
          }
        : null,
    columns: COLUMNS,
    rows: recent.map((run) => runRow(report, run, goals)),
    rowsOmitted: report.runs.length - recent.length,
    library: `Chart.js ${CHART_JS_VERSION} (MIT License)`,
  };
}
