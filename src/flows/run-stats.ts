import { appendFile, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { AgentStats } from "../agent/stats.js";
import type { RunOutcome } from "../core/markers.js";
import type { RunStatsRecord } from "../core/stats-record.js";
import type { DiffStats } from "../git/git.js";

export interface StatsInput {
  repository: string;
  goal: number;
  story: number | null;
  attempt: number;
  outcome: RunOutcome;
  reason: string;
  startedAt: Date;
  finishedAt: Date;
  agentSeconds: number | null;
  agentExitCode: number | null;
  agent: AgentStats | null;
  diff: DiffStats | null;
  model: string;
  reasoning: string;
  prUrl: string | null;
}

const round = (value: number) => Math.round(value * 10) / 10;

export function buildStatsRecord(input: StatsInput): RunStatsRecord {
  const wall = round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000);
  const agentSeconds = input.agentSeconds === null ? null : round(input.agentSeconds);
  const agent = input.agent;
  return {
    v: 1,
    repository: input.repository,
    goal: input.goal,
    story: input.story,
    attempt: input.attempt,
    outcome: input.outcome,
    reason: input.reason,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    wall_seconds: wall,
    agent_seconds: agentSeconds,
    overhead_seconds: agentSeconds === null ? null : round(Math.max(0, wall - agentSeconds)),
    agent_exit_code: input.agentExitCode,
    exit_reason: agent?.exit_reason ?? null,
    iterations: agent?.iterations ?? null,
    tokens: agent
      ? { ...agent.tokens }
      : { input: null, output: null, cache_read: null, cache_create: null },
    cost_usd: agent?.cost_usd ?? null,
    time_seconds: agent
      ? { ...agent.time_seconds }
      : { llm: null, tools: null, other: null, total: null },
    // What git measured; the agent's own count only when there is no diff to measure.
    lines_added: input.diff?.linesAdded ?? agent?.lines_added ?? null,
    lines_deleted: input.diff?.linesDeleted ?? agent?.lines_deleted ?? null,
    files_changed: input.diff?.filesChanged ?? null,
    model: input.model,
    reasoning: input.reasoning,
    pr_url: input.prUrl,
  };
}

/** A Markdown table of the figures a person looks at first. */
export function statsTable(record: RunStatsRecord): string {
  const show = (value: number | string | null | undefined, unit = "") =>
    value === null || value === undefined ? "unknown" : `${value}${unit}`;
  const tokens = record.tokens;
  const rows: [string, string][] = [
    ["outcome", record.outcome],
    ["attempt", String(record.attempt)],
    ["model", `${record.model} (reasoning ${record.reasoning})`],
    ["wall time", show(record.wall_seconds, " s")],
    ["agent time", show(record.agent_seconds, " s")],
    ["agent exit", `${show(record.agent_exit_code)} (${show(record.exit_reason)})`],
    ["iterations", show(record.iterations)],
    [
      "tokens in / out",
      `${show(tokens.input)} / ${show(tokens.output)} (cache read ${show(tokens.cache_read)}, created ${show(tokens.cache_create)})`,
    ],
    ["cost", record.cost_usd === null ? "unknown" : `$${record.cost_usd.toFixed(2)}`],
    [
      "lines added / deleted",
      `${show(record.lines_added)} / ${show(record.lines_deleted)} in ${show(record.files_changed)} file(s)`,
    ],
  ];
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return ["| | |", "|---|---|", ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)].join("\n");
}

/** `$XDG_STATE_HOME/goal-orchestrator/stats.jsonl` (default `~/.local/state/…`). */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "goal-orchestrator");
}

export async function appendStatsLine(file: string, record: RunStatsRecord): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(record)}\n`);
}
