import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { runFigureProblems } from "../core/run-figures.js";
import type { AgentFigures } from "../core/stats-record.js";

/**
 * The agent's own figures (design §4): the ralph harness appends one JSON line per run to its
 * stats file. Field names are kept exactly as ralph writes them (snake_case), since the runner's
 * stats record (design §6) carries them on in the same shape. A figure that is missing or not of
 * the expected type is null — unknown — and never 0. The agent is not trusted: a cost, token
 * count or iteration count that is not a figure one run may report (src/core/run-figures.ts:
 * negative, NaN, infinite, not a number, or absurd) makes the whole record invalid, and the run
 * is recorded without the agent's figures, so its cost is unknown.
 */

/** How much of the stats file's end is read at most. */
const MAX_READ_BYTES = 16 * 1024 * 1024;

const RALPH_EXIT_REASONS = ["done", "timeout", "interrupted"] as const;
export type RalphExitReason = (typeof RALPH_EXIT_REASONS)[number];

export interface AgentStats extends AgentFigures {
  /** null when missing or not one of done | timeout | interrupted (the raw value stays in `raw`). */
  exit_reason: RalphExitReason | null;
  lines_added: number | null;
  lines_deleted: number | null;
  /** The whole JSON object as read, unknown fields included. */
  raw: Record<string, unknown>;
}

/** The agent's last stats record: valid (`stats`), or invalid and why (`problems`). */
export interface AgentStatsRead {
  /** null when the record is invalid. */
  stats: AgentStats | null;
  /** One line per invalid figure, naming the field, its value and what is accepted. */
  problems: string[];
}

/** A stats file's size now: pass it to readAgentStats after the run. 0 when there is no file. */
export async function agentStatsOffset(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * The last stats record appended to `file` since byte `offset` (the file's size when the run
 * started, from agentStatsOffset), valid or not, or null when there is none or no file. Lines
 * that are not JSON objects holding at least one known field are skipped; the last one that
 * does decides, so an invalid last record is not passed over for an earlier one. When the file
 * is now shorter than `offset` it was replaced during the run, and all of it counts. At most the
 * last 16 MiB are read.
 */
export async function readAgentStatsFile(
  file: string,
  offset: number,
): Promise<AgentStatsRead | null> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return null;
  }
  const from = Number.isSafeInteger(offset) && offset >= 0 && offset <= size ? offset : 0;
  if (from === size) return null;
  // Only the last record matters: never read more than the tail (its first line may be cut;
  // it is then skipped like any other garbage).
  const start = Math.max(from, size - MAX_READ_BYTES);
  const lines = createInterface({
    input: createReadStream(file, { start, encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let last: AgentStatsRead | null = null;
  try {
    for await (const line of lines) {
      last = readAgentStatsLine(line) ?? last;
    }
  } catch {
    // The file vanished or could not be read part-way: keep what was read.
  }
  return last;
}

/**
 * One stats line: null when it is not a JSON object holding at least one known figure or an
 * invalid one. JSON has no NaN or Infinity, but a harness may write them bare (Python's json
 * does): they are read, and make the record invalid like any other value out of range.
 */
export function readAgentStatsLine(line: string): AgentStatsRead | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  const value = parseLenientJson(text);
  if (!isObject(value)) return null;
  const problems = runFigureProblems(value);
  if (problems.length > 0) return { stats: null, problems };
  const tokens = isObject(value.tokens) ? value.tokens : {};
  const time = isObject(value.time_seconds) ? value.time_seconds : {};
  const stats: AgentStats = {
    exit_reason: (RALPH_EXIT_REASONS as readonly unknown[]).includes(value.exit_reason)
      ? (value.exit_reason as RalphExitReason)
      : null,
    iterations: figure(value.iterations),
    tokens: {
      input: figure(tokens.input),
      output: figure(tokens.output),
      cache_read: figure(tokens.cache_read),
      cache_create: figure(tokens.cache_create),
    },
    cost_usd: figure(value.cost_usd),
    time_seconds: {
      llm: figure(time.llm),
      tools: figure(time.tools),
      other: figure(time.other),
      total: figure(time.total),
    },
    lines_added: figure(value.lines_added),
    lines_deleted: figure(value.lines_deleted),
    raw: value,
  };
  const known = [
    stats.exit_reason,
    stats.iterations,
    ...Object.values(stats.tokens),
    stats.cost_usd,
    ...Object.values(stats.time_seconds),
    stats.lines_added,
    stats.lines_deleted,
  ];
  return known.some((v) => v !== null) ? { stats, problems: [] } : null;
}

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};
const NON_FINITE_MARK = "\u0000goal-orchestrator:";

/** JSON, or JSON with bare NaN, Infinity and -Infinity outside strings; undefined when neither. */
function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Below: the same text with those words quoted and marked, then turned back into numbers.
  }
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (inString) {
      out += char;
      if (char === "\\") out += text[++i] ?? "";
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    const word = /^(?:-?Infinity|NaN)/.exec(text.slice(i, i + 9))?.[0];
    if (word) {
      out += JSON.stringify(NON_FINITE_MARK + word);
      i += word.length - 1;
    } else out += char;
  }
  try {
    return JSON.parse(out, (_key, value) =>
      typeof value === "string" && value.startsWith(NON_FINITE_MARK)
        ? NON_FINITE[value.slice(NON_FINITE_MARK.length)]
        : value,
    );
  } catch {
    return undefined;
  }
}

/** A non-negative finite number, else null (unknown). */
function figure(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
