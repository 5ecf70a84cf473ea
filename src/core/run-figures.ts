/**
 * What one run may report about itself (design §6): the agent writes its cost, tokens and
 * iterations, and the agent is not trusted. A figure outside its range makes the whole report
 * invalid, whether it comes from the agent's stats file (src/agent/stats.ts) or back from a
 * run-result marker (src/core/stats-record.ts): its cost is then unknown, and an unknown cost counts
 * against the budget by an estimate (src/core/budget.ts). A missing or null figure is unknown,
 * not invalid.
 */

/** Most cost one run may report, in USD. More is taken as a broken or forged report. */
export const MAX_RUN_COST_USD = 10_000;
/** Most tokens of one kind (input, output, cache read, cache created) one run may report. */
const MAX_RUN_TOKENS = 100_000_000_000;
/** Most iterations one run may report. */
const MAX_RUN_ITERATIONS = 1_000_000;

/** The token kinds of a report's `tokens` object. */
const TOKEN_KINDS = ["input", "output", "cache_read", "cache_create"] as const;

interface FigureRule {
  max: number;
  /** Counts are whole numbers. */
  whole: boolean;
  unit: string;
}

const COST: FigureRule = { max: MAX_RUN_COST_USD, whole: false, unit: "USD" };
const TOKENS: FigureRule = { max: MAX_RUN_TOKENS, whole: true, unit: "tokens" };
const ITERATIONS: FigureRule = { max: MAX_RUN_ITERATIONS, whole: true, unit: "iterations" };

/** `a number from 0 to 10,000 (USD), or null for unknown`. */
function accepted(rule: FigureRule): string {
  const max = rule.max.toLocaleString("en-US");
  return `${rule.whole ? "a whole number" : "a number"} from 0 to ${max} (${rule.unit}), or null for unknown`;
}

/** How a bad value reads in a warning: numbers as JavaScript writes them (NaN, -1), others as JSON, cut short. */
function showFigure(value: unknown): string {
  let text: string;
  if (typeof value === "number") text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Why `value` is not a figure under `rule`, or null when it is one (or is missing or null). */
function figureProblem(field: string, value: unknown, rule: FigureRule): string | null {
  if (value === undefined || value === null) return null;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    value >= 0 &&
    value <= rule.max &&
    (!rule.whole || Number.isInteger(value));
  return ok ? null : `${field} is ${showFigure(value)}; accepted: ${accepted(rule)}`;
}

/**
 * Every reason the run's own figures in `report` (an agent's stats line, or a stats record) are
 * invalid: `cost_usd`, `iterations` and each of `tokens`, one line per field naming it, its
 * value and what is accepted. Empty when they are valid.
 */
export function runFigureProblems(report: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const add = (problem: string | null) => {
    if (problem !== null) problems.push(problem);
  };
  add(figureProblem("cost_usd", report.cost_usd, COST));
  add(figureProblem("iterations", report.iterations, ITERATIONS));
  const tokens = report.tokens;
  if (typeof tokens === "object" && tokens !== null && !Array.isArray(tokens)) {
    for (const kind of TOKEN_KINDS) {
      add(figureProblem(`tokens.${kind}`, (tokens as Record<string, unknown>)[kind], TOKENS));
    }
  } else if (tokens !== undefined && tokens !== null) {
    problems.push(
      `tokens is ${showFigure(tokens)}; accepted: an object of ${TOKEN_KINDS.join(", ")} counts, or null for unknown`,
    );
  }
  return problems;
}

/** Whether `value` is a cost one run may report: a finite number from 0 to MAX_RUN_COST_USD. */
export function isRunCost(value: unknown): value is number {
  return figureProblem("cost_usd", value, COST) === null && typeof value === "number";
}
