import { isAbsolute, resolve } from "node:path";
import * as setting from "./setting-values.js";

const { show } = setting;

/**
 * Readers for the values action inputs and CLI flags give as text, besides the settings
 * (setting-values.ts): one reader per kind of value, so the same bad text gets the same
 * message from an action input, a CLI flag or the settings file. A problem's text follows
 * `name: ` (the input, flag or setting) and says what is accepted.
 */

/** A reader's answer: the value, or what is wrong with the text. */
export type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

const value = <T>(value: T): Read<T> => ({ ok: true, value });
const problem = (problem: string): Read<never> => ({ ok: false, problem });

/** A setting reader's answer as a Read, so both kinds of reader share one message. */
function fromSetting<T>(read: () => T): Read<T> {
  try {
    return value(read());
  } catch (error) {
    if (error instanceof setting.ValueProblem) return problem(error.message);
    throw error;
  }
}

export const duration = (text: string): Read<number> => fromSetting(() => setting.duration(text));

export const wholeNumber = (text: string, min: number, max: number): Read<number> =>
  fromSetting(() => setting.wholeNumber(text, min, max));

/** `12` or `#12`, as an issue is named on GitHub. */
export function issueNumber(text: string): Read<number> {
  const number = positive(text.trim().replace(/^#/, ""));
  return number === null
    ? problem(`${show(text)} is not an issue number; use a number like 12 or #12`)
    : value(number);
}

/** An issue number, or null when the text is blank (Actions gives an unset input as ""). */
export function optionalIssueNumber(text: string): Read<number | null> {
  if (text.trim() === "") return value(null);
  const read = issueNumber(text);
  return read.ok ? read : problem(`${read.problem}, or leave it empty`);
}

/** A count from 1, like an attempt number. */
export function positiveWholeNumber(text: string): Read<number> {
  const number = positive(text.trim());
  return number === null
    ? problem(`${show(text)} is not a positive whole number, like 2`)
    : value(number);
}

function positive(digits: string): number | null {
  const number = Number(digits);
  return /^\d+$/.test(digits) && number > 0 && Number.isSafeInteger(number) ? number : null;
}

/** true or false in any case; `fallback` when the text is blank. */
export function trueOrFalse(text: string, fallback: boolean): Read<boolean> {
  const word = text.trim().toLowerCase();
  if (word === "") return value(fallback);
  if (word === "true" || word === "false") return value(word === "true");
  return problem(`${show(text)} is not true or false`);
}

/** Names separated by commas, blanks or newlines (labels, variable names); none when blank. */
export function nameList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** A POSIX environment variable name: what the agent-env allow-list may hold. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The runner's own credentials: no allow-list may hand them to the agent (design §9). */
const RUNNER_SECRET = /^(GITHUB_TOKEN|GH_TOKEN|INPUT_\w*|ACTIONS_\w*)$/i;

/** The agent-env allow-list: exact variable names, none of them the runner's credentials. */
export function agentEnvNames(text: string): Read<string[]> {
  const names = nameList(text);
  const sentences: string[] = [];
  const bad = names.filter((name) => !ENV_NAME.test(name));
  if (bad.length > 0) {
    sentences.push(
      `${bad.map((name) => show(name)).join(", ")} ${bad.length === 1 ? "is not a variable name" : "are not variable names"}; list exact names (letters, digits, _), separated by commas`,
    );
  }
  const secrets = names.filter((name) => ENV_NAME.test(name) && RUNNER_SECRET.test(name));
  if (secrets.length > 0) {
    sentences.push(
      `${secrets.join(", ")} ${secrets.length === 1 ? "is" : "are"} the runner's own credentials; the agent never gets them (it could be talked into using them). Give the agent a credential of its own under another name if it needs one`,
    );
  }
  return sentences.length > 0 ? problem(sentences.join(". Also: ")) : value(names);
}

export interface FolderBase {
  /** What `~` stands for. */
  home: string;
  /** What a relative path is relative to; null where only absolute paths are accepted. */
  relativeTo: string | null;
}

/**
 * A folder as an absolute path: `~` and `~/…` expanded (a quoted or `--flag=~/…` tilde reaches
 * us unexpanded), relative paths resolved when `base` allows them. Actions inputs allow none:
 * relative to the step's working directory, a folder would land inside the checkout.
 */
export function folder(text: string, base: FolderBase): Read<string> {
  const trimmed = text.trim();
  const expanded = trimmed.replace(/^~(?=$|\/)/, base.home);
  if (trimmed !== "" && isAbsolute(expanded)) return value(resolve(expanded));
  if (trimmed !== "" && base.relativeTo !== null) return value(resolve(base.relativeTo, expanded));
  const accepted =
    base.relativeTo === null
      ? "an absolute path or one starting with ~/"
      : "a folder; use an absolute path, one starting with ~/, or one relative to the current folder";
  return problem(`${show(text)} is not ${accepted}`);
}

/** A git branch name; null when the text is blank. Refuses what git never allows in one. */
export function optionalBranchName(text: string): Read<string | null> {
  const name = text.trim();
  if (name === "") return value(null);
  if (name.startsWith("-") || /[\s~^:?*[\\]|\.\.|@\{/.test(name)) {
    return problem(`${show(name)} is not a branch name`);
  }
  return value(name);
}
