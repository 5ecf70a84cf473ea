import type { ReasoningLevel } from "./agent-options.js";
import { splitArgv } from "./argv.js";
import { nearest } from "./edit-distance.js";
import { UserError } from "./errors.js";
import {
  NOTIFY_FORMATS,
  type NotifyFormat,
  OPTIONAL_NOTIFY_EVENTS,
  type OptionalNotifyEvent,
} from "./notifications.js";
import { DEFAULT_MAX_REVIEW_ROUNDS } from "./review-rounds.js";
import * as read from "./setting-values.js";

/** The configuration shared by the actions and the CLIs (design §8). */
export interface Settings {
  max: number;
  model: string;
  reasoning: ReasoningLevel;
  durationSeconds: number;
  /** Argv template; see renderArgv. */
  agentCommand: string[];
  maxAttempts: number;
  /** Review rounds a goal may have before a request for changes goes to a person (core/review-rounds.ts). */
  maxReviewRounds: number;
  mergeMethod: "squash" | "merge" | "rebase";
  idleTimeoutSeconds: number | null;
  spotCheckPaths: string[];
  spotCheckMaxLines: number | null;
  reviewers: string[];
  /** A capability URL: a secret (see docs/adopting.md); null for no notifications. */
  notifyUrl: string | null;
  notifyFormat: NotifyFormat;
  /** Optional events to notify besides spot-check, stuck, budget and failed cycles. */
  notifyOn: OptionalNotifyEvent[];
  markerAuthors: string[];
  budget: { amountUsd: number; period: "day" } | null;
  /** What a run of unknown cost counts against the budget when no rate estimates it. */
  unknownRunCostUsd: number;
}

/** External names, as used by action inputs, CLI flags and the settings file. */
export const SETTING_KEYS = [
  "max",
  "model",
  "reasoning",
  "duration",
  "agent-command",
  "max-attempts",
  "max-review-rounds",
  "merge-method",
  "idle-timeout",
  "spot-check-paths",
  "spot-check-max-lines",
  "reviewers",
  "notify-url",
  "notify-format",
  "notify-on",
  "marker-authors",
  "budget",
  "unknown-run-cost",
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** The settings one agent run uses: the runner action's inputs and the orchestrator's flags. */
export const RUN_SETTING_KEYS = [
  "model",
  "reasoning",
  "duration",
  "agent-command",
  "max-attempts",
  "merge-method",
  "idle-timeout",
  "spot-check-paths",
  "spot-check-max-lines",
  "reviewers",
] as const satisfies readonly SettingKey[];

/** The notification settings: inputs of both actions and flags of the orchestrator. */
export const NOTIFY_SETTING_KEYS = [
  "notify-url",
  "notify-format",
  "notify-on",
] as const satisfies readonly SettingKey[];

export const SETTINGS_FILE = ".github/goal-orchestrator.yml";
/** The default `unknown-run-cost`: what a run of unknown cost counts when nothing estimates it. */
export const DEFAULT_UNKNOWN_RUN_COST_USD = 5;
export const MERGE_METHODS = ["squash", "merge", "rebase"] as const;
export const DEFAULT_AGENT_COMMAND =
  "ralph --goal={goal_file} --model={model} --reasoning={reasoning} --duration={duration}";

/**
 * Without a spot-check-paths setting, changes to workflows, to the settings file (it names the
 * agent command) and to files that decide reviewers, checkouts and submodules wait for a human:
 * merged unseen, they would change what the next run executes or who must approve.
 */
export const DEFAULT_SPOT_CHECK_PATHS: readonly string[] = Object.freeze([
  ".github/**",
  SETTINGS_FILE,
  "CODEOWNERS",
  ".gitattributes",
  ".gitmodules",
]);

/** A fresh copy of the defaults each time, so no caller can change another's lists. */
export function defaultSettings(): Settings {
  return {
    max: 2,
    model: "sonnet",
    reasoning: "med",
    durationSeconds: 4 * 3600,
    agentCommand: splitArgv(DEFAULT_AGENT_COMMAND),
    maxAttempts: 3,
    maxReviewRounds: DEFAULT_MAX_REVIEW_ROUNDS,
    mergeMethod: "squash",
    idleTimeoutSeconds: null,
    spotCheckPaths: [...DEFAULT_SPOT_CHECK_PATHS],
    spotCheckMaxLines: null,
    reviewers: [],
    notifyUrl: null,
    notifyFormat: "ntfy",
    notifyOn: [],
    markerAuthors: [],
    budget: null,
    unknownRunCostUsd: DEFAULT_UNKNOWN_RUN_COST_USD,
  };
}

export const DEFAULT_SETTINGS: Readonly<Settings> = deepFreeze(defaultSettings());

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const field of Object.values(value)) {
    if (typeof field === "object" && field !== null) Object.freeze(field);
  }
  return Object.freeze(value);
}

type Field = keyof Settings;

/** For each key: where its value goes and how a given value is read. */
const READERS: { [K in SettingKey]: { field: Field; read: (value: unknown) => Settings[Field] } } =
  {
    max: { field: "max", read: (v) => read.wholeNumber(v, 1, 100) },
    model: { field: "model", read: read.model },
    reasoning: { field: "reasoning", read: read.reasoning },
    duration: { field: "durationSeconds", read: read.duration },
    "agent-command": { field: "agentCommand", read: read.argvTemplate },
    "max-attempts": { field: "maxAttempts", read: (v) => read.wholeNumber(v, 1, 20) },
    "max-review-rounds": { field: "maxReviewRounds", read: (v) => read.wholeNumber(v, 0, 20) },
    "merge-method": { field: "mergeMethod", read: (v) => read.oneOf(v, MERGE_METHODS) },
    "idle-timeout": { field: "idleTimeoutSeconds", read: read.optionalDuration },
    "spot-check-paths": { field: "spotCheckPaths", read: spotCheckPathList },
    "spot-check-max-lines": {
      field: "spotCheckMaxLines",
      read: (v) => read.optionalWholeNumber(v, 1, 1_000_000),
    },
    reviewers: { field: "reviewers", read: read.logins },
    "notify-url": { field: "notifyUrl", read: read.httpUrl },
    "notify-format": { field: "notifyFormat", read: (v) => read.oneOf(v, NOTIFY_FORMATS) },
    "notify-on": { field: "notifyOn", read: notifyOnList },
    "marker-authors": { field: "markerAuthors", read: read.logins },
    budget: { field: "budget", read: read.budget },
    "unknown-run-cost": { field: "unknownRunCostUsd", read: read.runCost },
  };

/**
 * A list of globs, or `none` for no paths: an empty input means "not given" (Actions passes
 * unset inputs as ""), so without `none` an input could not turn the default list off.
 */
function spotCheckPathList(value: unknown): string[] {
  if (typeof value === "string" && value.trim().toLowerCase() === "none") return [];
  try {
    return read.list(value);
  } catch (error) {
    if (!(error instanceof read.ValueProblem) || Array.isArray(value)) throw error;
    throw new read.ValueProblem(`${error.message}, or none for no paths`);
  }
}

/** `done` (the one optional event), or off/none for the default events only. */
function notifyOnList(value: unknown): OptionalNotifyEvent[] {
  if (read.isOff(value)) return [];
  const names = read.list(value).map((name) => name.toLowerCase());
  const bad = names.filter((name) => !(OPTIONAL_NOTIFY_EVENTS as readonly string[]).includes(name));
  if (bad.length > 0) {
    throw new read.ValueProblem(
      `${bad.map((name) => read.show(name)).join(", ")} ${bad.length === 1 ? "is not" : "are not"} one of ${OPTIONAL_NOTIFY_EVENTS.join(", ")}, or off (spot-check, stuck, budget and failed cycles are always notified)`,
    );
  }
  return [...new Set(names)] as OptionalNotifyEvent[];
}

/** Every problem found while reading settings; the message has one line per problem. */
export class SettingsError extends UserError {
  readonly problems: string[];

  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "SettingsError";
    this.problems = [...problems];
  }
}

export interface SettingLayers {
  /** Action inputs or CLI flags. An empty string means "not given", as Actions passes unset inputs. */
  explicit: Record<string, unknown>;
  /** The parsed settings file, or null when there is none. */
  file: Record<string, unknown> | null;
  /** For messages; defaults to .github/goal-orchestrator.yml. */
  fileName?: string;
}

/**
 * Explicit values win over the file, the file over the defaults. Keys in `explicit` that are not
 * settings are ignored (callers may pass all their inputs); unknown keys in the file are errors.
 */
export function resolveSettings(layers: SettingLayers): Settings {
  const fileName = layers.fileName ?? SETTINGS_FILE;
  const problems: string[] = [];
  const file = layers.file ?? {};
  for (const key of Object.keys(file)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key))
      problems.push(unknownKeyProblem(key, fileName));
  }
  const settings = defaultSettings();
  for (const key of SETTING_KEYS) {
    const explicit = layers.explicit[key];
    const fromExplicit = isGiven(explicit);
    // In the file an empty value is a choice ("idle-timeout:" means off); only absence means "not set".
    const fromFile = !fromExplicit && Object.hasOwn(file, key) && file[key] !== undefined;
    if (!fromExplicit && !fromFile) continue;
    const value = fromExplicit ? explicit : (file[key] ?? "");
    try {
      Object.assign(settings, { [READERS[key].field]: READERS[key].read(value) });
    } catch (error) {
      if (!(error instanceof read.ValueProblem)) throw error;
      problems.push(`${key}: ${error.message}${fromExplicit ? "" : ` (in ${fileName})`}`);
    }
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

function isGiven(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  return !(typeof value === "string" && value.trim() === "");
}

function unknownKeyProblem(key: string, fileName: string): string {
  const suggestion = nearest(key, SETTING_KEYS, 2);
  const hint = suggestion === null ? "" : ` Did you mean "${suggestion}"?`;
  return `${key}: unknown setting in ${fileName}.${hint} Known settings: ${SETTING_KEYS.join(", ")}.`;
}

/**
 * The `marker-authors` setting alone, explicit value over the file: whose markers count must be
 * known before a goal store connects, and does not depend on the rest of the file being valid
 * (callers that use the other settings still resolve, and report, the whole file).
 */
export function resolveMarkerAuthors(layers: SettingLayers): string[] {
  const pick = (values: Record<string, unknown> | null) =>
    values && Object.hasOwn(values, "marker-authors")
      ? { "marker-authors": values["marker-authors"] }
      : {};
  return resolveSettings({
    ...layers,
    explicit: pick(layers.explicit),
    file: pick(layers.file),
  }).markerAuthors;
}
