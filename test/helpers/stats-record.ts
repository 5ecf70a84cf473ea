import type { RunStatsRecord } from "../../src/core/stats-record.js";

/**
 * A complete stats record (design §6) for goal `goal`, attempt `attempt` of acme/widgets: a
 * ten-minute success finished at `finished_at`, with every figure known unless `fields` says
 * otherwise.
 */
export function statsRecord(
  fields: Partial<RunStatsRecord> & Pick<RunStatsRecord, "goal" | "attempt">,
): RunStatsRecord {
  const finished = fields.finished_at ?? "2026-11-18T10:00:00.000Z";
  const started = fields.started_at ?? new Date(Date.parse(finished) - 600_000).toISOString();
  return {
    v: 1,
    repository: "acme/widgets",
    story: null,
    outcome: "success",
    reason: "",
    started_at: started,
    finished_at: finished,
    wall_seconds: (Date.parse(finished) - Date.parse(started)) / 1000,
    agent_seconds: 500,
    overhead_seconds: 100,
    agent_exit_code: 0,
    exit_reason: "done",
    iterations: 3,
    tokens: { input: 1000, output: 200, cache_read: null, cache_create: null },
    cost_usd: 1.5,
    time_seconds: { llm: 300, tools: 200, other: null, total: 500 },
    lines_added: 10,
    lines_deleted: 2,
    files_changed: 1,
    model: "sonnet",
    reasoning: "med",
    pr_url: null,
    ...fields,
  };
}
