import type { ReasoningLevel } from "../core/agent-options.js";
import type { MergeMethod } from "../core/ports.js";
import type { Settings } from "../core/settings.js";
import type { TokenProvider } from "../git/git.js";
import type { AgentRunSettings } from "./run-agent.js";

/** Everything one attempt at a goal (run-goal.ts) is told: the goal, the agent, where things go. */
export interface RunGoalSettings extends AgentRunSettings {
  goal: number;
  attempt: number;
  model: string;
  reasoning: ReasoningLevel;
  maxAttempts: number;
  mergeMethod: MergeMethod;
  spotCheckPaths: string[];
  spotCheckMaxLines: number | null;
  reviewers: string[];
  /** Branch the PR goes into; null for the repository's default branch. */
  base: string | null;
  workspaceRoot: string;
  logDir: string;
  gitMirror: string | null;
  /** Start from the goal branch an earlier attempt pushed, when there is one. */
  resume: boolean;
  cloneUrl: string;
  /** For git: a token, or a provider asked before each network command (App installation tokens). */
  token: TokenProvider;
  /** The runner's stats.jsonl (design §6). */
  statsFile: string;
}

/** The part of RunGoalSettings that comes from the shared settings (design §8). */
export type RunSettings = Pick<
  RunGoalSettings,
  | "model"
  | "reasoning"
  | "durationSeconds"
  | "idleTimeoutSeconds"
  | "agentCommand"
  | "maxAttempts"
  | "mergeMethod"
  | "spotCheckPaths"
  | "spotCheckMaxLines"
  | "reviewers"
>;

export function runSettingsOf(settings: Settings): RunSettings {
  return {
    model: settings.model,
    reasoning: settings.reasoning,
    durationSeconds: settings.durationSeconds,
    idleTimeoutSeconds: settings.idleTimeoutSeconds,
    agentCommand: settings.agentCommand,
    maxAttempts: settings.maxAttempts,
    mergeMethod: settings.mergeMethod,
    spotCheckPaths: settings.spotCheckPaths,
    spotCheckMaxLines: settings.spotCheckMaxLines,
    reviewers: settings.reviewers,
  };
}
