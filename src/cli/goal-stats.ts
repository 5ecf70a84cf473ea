import { formatUsd } from "../core/budget.js";
import { formatDuration, tryParseDuration } from "../core/duration.js";
import { messageOf, UserError } from "../core/errors.js";
import { formatRepo, parseRepo, type RepoRef } from "../core/issue-ref.js";
import type { GoalSnapshot } from "../core/ports.js";
import type { RunStatsRecord } from "../core/stats-record.js";
import { runnerLocations } from "../flows/run-locations.js";
import { writeDashboard } from "../stats/dashboard.js";
import {
  formatPartial,
  formatPartialSeconds,
  formatPartialUsd,
  formatRate,
  plural,
} from "../stats/format.js";
import { statsFromGoals } from "../stats/from-goals.js";
import { readStatsFile } from "../stats/records.js";
import { buildReport } from "../stats/report.js";
import type { GoalHistory, GoalRow, StatsReport } from "../stats/report-types.js";
import { parseCommandLine } from "./args.js";
import { connect, resolveRepo } from "./connection.js";
import { type CliIo, processIo, runCli, terminalSafe } from "./io.js";

const GOAL_STATS_USAGE = `Usage: goal-stats [dashboard] [--repo owner/name]... [--since 7d] [--from local|github] [--json] [--out DIR]

  (no command)     per goal: attempts, result, wall time, cost, tokens, lines, PR; then totals
  dashboard        write a self-contained page (index.html + data.json) into --out (default site)

Options:
  --repo R         only this repository (repeat for several); with --from github, the
                   repositories to read (default: GITHUB_REPOSITORY or the git remote)
  --since S        only runs that finished in the last S (7d, 12h, 90m) or since a date (2026-11-01)
  --from local     this machine's stats file, $XDG_STATE_HOME/goal-orchestrator/stats.jsonl (default)
  --from github    the run-result markers on the goals' issues (any machine; needs GITHUB_TOKEN)
  --json           the whole report as JSON

Figures a run did not report are unknown: sums show how many runs they lack, never a zero.`;

const SOURCES = ["local", "github"] as const;

export async function goalStatsMain(
  argv: string[],
  io: CliIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): Promise<number> {
  return runCli(
    "goal-stats",
    async () => {
      const { values, positionals } = parseCommandLine(
        {
          args: argv,
          allowPositionals: true,
          options: {
            repo: { type: "string", multiple: true },
            since: { type: "string" },
            from: { type: "string", default: "local" },
            json: { type: "boolean", default: false },
            out: { type: "string" },
            help: { type: "boolean", short: "h", default: false },
          },
        },
        GOAL_STATS_USAGE,
      );
      if (values.help) {
        io.stdout(`${GOAL_STATS_USAGE}\n`);
        return 0;
      }
      const [command, ...extra] = positionals;
      if ((command !== undefined && command !== "dashboard") || extra.length > 0) {
        throw new UserError(
          `unknown command "${positionals.join(" ")}"; the only command is dashboard.\n\n${GOAL_STATS_USAGE}`,
        );
      }
      if (values.out !== undefined && command !== "dashboard") {
        throw new UserError(`--out belongs to "goal-stats dashboard".\n\n${GOAL_STATS_USAGE}`);
      }
      const source = values.from as (typeof SOURCES)[number];
      if (!SOURCES.includes(source)) {
        throw new UserError(`--from: "${values.from}" is not a source; use local or github.`);
      }
      const at = now();
      const since = values.since === undefined ? null : parseSince(values.since, at);
      const repos = (values.repo ?? []).map((text) => parseRepoFlag(text));

      const report =
        source === "local"
          ? await localReport(repos, since, at, env, io)
          : await githubReport(repos, since, at, env);

      if (command === "dashboard") {
        const { file } = await writeDashboard(report, values.out ?? "site");
        io.stdout(
          values.json
            ? `${JSON.stringify({ file, runs: report.totals.runs })}\n`
            : `Dashboard of ${report.totals.runs} run(s) written to ${file}\n`,
        );
        return 0;
      }
      io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      return 0;
    },
    io,
  );
}

/** `7d`, `12h`, `90m` back from now, or a date or time (`2026-11-01`, ISO 8601). */
export function parseSince(text: string, now: Date): Date {
  const trimmed = text.trim();
  const days = /^(\d+)\s*d$/i.exec(trimmed);
  const seconds = days ? Number(days[1]) * 86_400 : tryParseDuration(trimmed);
  if (seconds !== null && seconds > 0) return new Date(now.getTime() - seconds * 1000);
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) {
    return new Date(trimmed);
  }
  throw new UserError(
    `--since: "${text}" is neither a period (7d, 12h, 90m) nor a date (2026-11-01 or an ISO 8601 time).`,
  );
}

function parseRepoFlag(text: string): RepoRef {
  try {
    return parseRepo(text);
  } catch (error) {
    throw new UserError(`--repo: ${messageOf(error)}`);
  }
}

async function localReport(
  repos: RepoRef[],
  since: Date | null,
  now: Date,
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<StatsReport> {
  const file = runnerLocations(env).statsFile;
  const { records, skipped } = await readStatsFile(file);
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).join("; ");
    io.stderr(
      `goal-stats: skipped ${skipped.length} line(s) of ${file} that are not stats records: ${shown}${skipped.length > 5 ? "; …" : ""}\n`,
    );
  }
  const wanted = new Set(repos.map((repo) => formatRepo(repo).toLowerCase()));
  const runs = records.filter(
    (record) => wanted.size === 0 || wanted.has(record.repository.toLowerCase()),
  );
  if (records.length === 0) io.stderr(`goal-stats: no runs recorded in ${file} yet.\n`);
  return buildReport({ runs, source: "local", since, now });
}

async function githubReport(
  repos: RepoRef[],
  since: Date | null,
  now: Date,
  env: NodeJS.ProcessEnv,
): Promise<StatsReport> {
  const targets = repos.length > 0 ? repos : [resolveRepo({}, env, process.cwd())];
  const runs: RunStatsRecord[] = [];
  const histories: GoalHistory[] = [];
  for (const repo of targets) {
    const { store } = await connect({ repo: formatRepo(repo) }, env);
    // Goals changed in the period, plus those still waiting or running from before it
    // (unchanged since, but part of the queue's depth).
    const goals = new Map<number, GoalSnapshot>();
    for await (const goal of store.listGoalActivity(since)) goals.set(goal.ref.number, goal);
    if (since !== null) {
      for (const state of ["queued", "running"] as const)
        for await (const goal of store.listGoals(state)) goals.set(goal.ref.number, goal);
    }
    const found = statsFromGoals(goals.values());
    runs.push(...found.runs);
    histories.push(...found.histories);
  }
  return buildReport({ runs, histories, source: "github", since, now });
}

function formatReport(report: StatsReport): string {
  const { totals } = report;
  const where = report.repositories.length > 0 ? report.repositories.join(", ") : "no repository";
  const lines = [
    `${totals.runs} run(s) of ${totals.goals} goal(s) in ${where}${
      report.since ? ` since ${report.since}` : ""
    } (from ${report.source})`,
  ];
  if (report.goals.length === 0) return lines.join("\n");
  const rows = report.goals.map(goalCells);
  lines.push(
    "",
    ...table(["goal", "result", "attempts", "wall", "cost", "tokens", "lines", "pr"], rows),
  );
  const split = totals.time_split;
  const finished = totals.done + totals.spot_check + totals.stuck;
  lines.push(
    "",
    "Totals",
    ...table(
      [],
      [
        [
          "goals",
          `${totals.done} done, ${totals.spot_check} spot-check, ${totals.stuck} stuck, ${totals.open} open`,
        ],
        ["success rate", `${formatRate(totals.success_rate)} of ${finished} finished goal(s)`],
        ["stuck rate", formatRate(totals.stuck_rate)],
        ["retry rate", `${formatRate(totals.retry_rate)} needed more than one attempt`],
        ["cost", formatPartialUsd(totals.cost_usd)],
        [
          "cost per done goal",
          totals.cost_per_done_goal.value === null
            ? "unknown"
            : `${formatUsd(totals.cost_per_done_goal.value)}${
                totals.cost_per_done_goal.unknown > 0
                  ? ` + ${plural(totals.cost_per_done_goal.unknown, "run")} unknown`
                  : ""
              }`,
        ],
        [
          "median time to done",
          totals.median_seconds_to_done === null
            ? "–"
            : formatDuration(totals.median_seconds_to_done),
        ],
        ["done per day", totals.done_per_day === null ? "–" : totals.done_per_day.toFixed(2)],
        [
          "time: LLM / tools / overhead",
          `${formatPartialSeconds(split.llm)} / ${formatPartialSeconds(split.tools)} / ${formatPartialSeconds(split.overhead)}`,
        ],
      ],
    ).map((line) => `  ${line}`),
  );
  if (totals.most_expensive.length > 0) {
    lines.push(
      "",
      "Most expensive",
      ...totals.most_expensive.map(
        (goal) =>
          `  ${goalRef(goal)}  ${formatPartialUsd(goal.cost_usd)}${goal.title ? `  ${terminalSafe(goal.title)}` : ""}`,
      ),
    );
  }
  return lines.join("\n");
}

function goalRef(goal: GoalRow): string {
  return `${goal.repository}#${goal.goal}`;
}

function goalCells(goal: GoalRow): string[] {
  const lines =
    goal.lines_added.known === 0 && goal.lines_deleted.known === 0
      ? "unknown"
      : `+${formatPartial(goal.lines_added)} -${formatPartial(goal.lines_deleted)}`;
  return [
    goalRef(goal),
    goal.result,
    String(goal.attempts),
    formatDuration(goal.wall_seconds),
    formatPartialUsd(goal.cost_usd),
    formatPartial(goal.tokens),
    lines,
    goal.pr_url ?? "–",
  ];
}

/** Left-aligned columns; titles and cells are one line each. */
function table(header: string[], rows: string[][]): string[] {
  const all = header.length > 0 ? [header, ...rows] : rows;
  const widths =
    all[0]?.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length))) ?? [];
  return all.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
