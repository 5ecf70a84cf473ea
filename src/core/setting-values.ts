import {
  isValidModel,
  MODEL_RULE,
  parseReasoning,
  REASONING_LEVELS,
  type ReasoningLevel,
} from "./agent-options.js";
import { ARGV_PLACEHOLDERS, splitArgv, unknownPlaceholders } from "./argv.js";
import { DURATION_FORMS, durationHint, tryParseDuration } from "./duration.js";
import { UserError } from "./errors.js";
import { MAX_RUN_COST_USD } from "./run-figures.js";

/**
 * Readers for single setting values. Values come as strings from action inputs and CLI flags,
 * or as numbers, strings, booleans and arrays from YAML: each reader accepts all of them.
 * A reader returns the value, or throws a ValueProblem whose text follows `key: `.
 */

export class ValueProblem extends Error {}

/** How a bad value is quoted in messages: strings in quotes, anything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function text(value: unknown): string | null {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** "off", "none", "0", false and "" switch an optional setting off. */
export function isOff(value: unknown): boolean {
  if (value === false || value === 0 || value === null) return true;
  return (
    typeof value === "string" &&
    ["", "off", "none", "0", "false"].includes(value.trim().toLowerCase())
  );
}

export function wholeNumber(value: unknown, min: number, max: number): number {
  const t = text(value);
  if (t === null || !/^\d+$/.test(t) || Number(t) < min || Number(t) > max) {
    throw new ValueProblem(`${show(value)} is not a whole number from ${min} to ${max}`);
  }
  return Number(t);
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T {
  const t = text(value)?.toLowerCase();
  if (t === undefined || !(allowed as readonly string[]).includes(t)) {
    throw new ValueProblem(`${show(value)} is not one of ${allowed.join(", ")}`);
  }
  return t as T;
}

export function model(value: unknown): string {
  const t = text(value);
  if (t === null || !isValidModel(t))
    throw new ValueProblem(`${show(value)} is not a model name; use ${MODEL_RULE}`);
  return t;
}

export function reasoning(value: unknown): ReasoningLevel {
  const level = typeof value === "string" ? parseReasoning(value) : null;
  if (level === null)
    throw new ValueProblem(`${show(value)} is not one of ${REASONING_LEVELS.join(", ")}`);
  return level;
}

export function duration(value: unknown): number {
  const seconds = typeof value === "string" ? tryParseDuration(value) : null;
  if (seconds === null) {
    throw new ValueProblem(
      `${show(value)} is not a duration; use ${DURATION_FORMS}.${durationHint(String(value))}`,
    );
  }
  return seconds;
}

/** A duration, or null when switched off. */
export function optionalDuration(value: unknown): number | null {
  return isOff(value) ? null : duration(value);
}

export function optionalWholeNumber(value: unknown, min: number, max: number): number | null {
  if (isOff(value)) return null;
  try {
    return wholeNumber(value, min, max);
  } catch {
    throw new ValueProblem(`${show(value)} is not a whole number from ${min} to ${max}, or off`);
  }
}

/** A list from a YAML array or a comma- or newline-separated string; blank entries dropped. */
export function list(value: unknown): string[] {
  if (value === null || value === false || (typeof value === "string" && value.trim() === ""))
    return [];
  const items = Array.isArray(value)
    ? value
    : typeof value === "string"
      ? value.split(/[,\n]/)
      : null;
  if (items === null)
    throw new ValueProblem(
      `${show(value)} is not a list; use a YAML list or a comma-separated text`,
    );
  return items
    .map((item) => {
      if (typeof item !== "string" && typeof item !== "number") {
        throw new ValueProblem(`${show(item)} is not a text entry`);
      }
      return String(item).trim();
    })
    .filter((item) => item !== "");
}

// A GitHub login: letters, digits and hyphens (not first); bots end in "[bot]".
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}(\[bot\])?$/;

export function logins(value: unknown): string[] {
  const names = list(value).map((name) => name.replace(/^@/, ""));
  const bad = names.filter((name) => !LOGIN.test(name));
  if (bad.length > 0) {
    throw new ValueProblem(
      `${bad.map((name) => show(name)).join(", ")} ${bad.length === 1 ? "is not a GitHub login" : "are not GitHub logins"}; use names like octocat or @octocat, separated by commas`,
    );
  }
  return [...new Set(names)];
}

export function argvTemplate(value: unknown): string[] {
  let argv: string[];
  if (Array.isArray(value) && value.every((arg) => typeof arg === "string")) {
    argv = value;
  } else if (typeof value === "string") {
    try {
      argv = splitArgv(value);
    } catch (error) {
      if (error instanceof UserError)
        throw new ValueProblem(error.message.replace(/^The command /, ""));
      throw error;
    }
  } else {
    throw new ValueProblem(
      `${show(value)} is not a command; use a command line like ralph --goal={goal_file}`,
    );
  }
  if (argv.length === 0 || argv[0] === "")
    throw new ValueProblem(`${show(value)} names no program to run`);
  const unknown = unknownPlaceholders(argv);
  if (unknown.length > 0) {
    throw new ValueProblem(
      `${unknown.map((name) => `{${name}}`).join(", ")} ${unknown.length === 1 ? "is not a known placeholder" : "are not known placeholders"}; use ${ARGV_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`,
    );
  }
  return argv;
}

export function httpUrl(value: unknown): string | null {
  if (isOff(value)) return null;
  const t = text(value);
  let url: URL | null = null;
  try {
    url = t === null ? null : new URL(t);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ValueProblem(
      `${show(value)} is not an http(s) URL; use one like https://ntfy.sh/my-topic, or off`,
    );
  }
  return t;
}

const BUDGET = /^(\d+(?:\.\d{1,2})?)\s*usd\s*\/\s*day$/i;

export function budget(value: unknown): { amountUsd: number; period: "day" } | null {
  if (isOff(value)) return null;
  const match = typeof value === "string" ? BUDGET.exec(value.trim()) : null;
  const amount = Number(match?.[1]);
  if (match === null || !(amount > 0)) {
    throw new ValueProblem(
      `${show(value)} — use an amount per day like 50usd/day or 12.5usd/day, or off`,
    );
  }
  return { amountUsd: amount, period: "day" };
}

const RUN_COST = /^(\d+(?:\.\d{1,2})?)\s*usd$/i;

/** An amount for one run, like 5usd or 2.5usd: more than 0, at most MAX_RUN_COST_USD. */
export function runCost(value: unknown): number {
  const match = typeof value === "string" ? RUN_COST.exec(value.trim()) : null;
  const amount = Number(match?.[1]);
  if (match === null || !(amount > 0) || amount > MAX_RUN_COST_USD) {
    throw new ValueProblem(
      `${show(value)} — use an amount for one run like 5usd or 2.5usd, more than 0 and at most ${MAX_RUN_COST_USD}usd`,
    );
  }
  return amount;
}
