import { homedir } from "node:os";
import * as core from "@actions/core";
import { readSandboxSettings } from "../agent/sandbox.js";
import * as input from "../core/input-values.js";
import type { RepoRef } from "../core/issue-ref.js";
import { invalidInputs, Problems } from "../core/problems.js";
import { RUN_SETTING_KEYS, resolveSettings } from "../core/settings.js";
import { parseCheckpointEvery } from "../flows/run-checkpoint.js";
import { runnerLocations } from "../flows/run-locations.js";
import { type RunGoalSettings, type RunSettings, runSettingsOf } from "../flows/run-settings.js";
import { type AuthInputs, authInputs, notifyInputs, repositoryInput } from "./inputs.js";

export type RunInputs = Omit<RunGoalSettings, "token" | "cloneUrl"> & {
  repo: RepoRef;
  cloneUrl: string | null;
  auth: AuthInputs;
  /** Whether the run asks for a wake-up (a dispatch cycle now) once it recorded its result. */
  wakeUp: boolean;
};

/** The run settings from the inputs over the repository's settings file (null: none). */
export function readRunSettings(file: Record<string, unknown> | null): RunSettings {
  return runSettingsOf(
    resolveSettings({
      explicit: Object.fromEntries(RUN_SETTING_KEYS.map((name) => [name, core.getInput(name)])),
      file,
    }),
  );
}

/** The wake-up input: off unless asked for (the reusable workflow asks). */
export function wakeUpInput() {
  return input.trueOrFalse(core.getInput("wake-up"), false);
}

/** Every input checked up front; all problems reported at once, each naming its input. */
export function readRunInputs(env: NodeJS.ProcessEnv = process.env): RunInputs {
  const problems = new Problems();
  const settings = problems.catch(() => readRunSettings(null));
  problems.catch(() => resolveSettings({ explicit: notifyInputs(), file: null }));
  const goal = problems.take("goal", input.issueNumber(core.getInput("goal")), 0);
  const attempt = problems.take("attempt", input.positiveWholeNumber(core.getInput("attempt")), 0);
  const repo = problems.catch(repositoryInput);
  const resume = problems.take("resume", input.trueOrFalse(core.getInput("resume"), true), true);
  const wakeUp = problems.take("wake-up", wakeUpInput(), false);
  const checkpointEverySeconds = problems.catch(() =>
    parseCheckpointEvery(core.getInput("checkpoint-every"), "checkpoint-every"),
  );
  const agentEnv = problems.take("agent-env", input.agentEnvNames(core.getInput("agent-env")), []);
  const base = problems.take("base", input.optionalBranchName(core.getInput("base")), null);
  const home = env.HOME || homedir();
  // An unset input is "": the default then.
  const folder = (name: string, fallback: string) => {
    const text = core.getInput(name);
    if (!text.trim()) return fallback;
    return problems.take(name, input.folder(text, { home, relativeTo: null }), fallback);
  };
  const locations = runnerLocations(env);
  const workspaceRoot = folder("workspace-root", locations.workspaceRoot);
  const logDir = folder("log-dir", locations.logDir);
  const gitMirror = folder("git-mirror", "") || null;
  const sandbox = readSandboxSettings(
    {
      isolation: core.getInput("isolation"),
      readPaths: core.getInput("agent-read-paths"),
      network: core.getInput("agent-network"),
    },
    problems.list,
  );
  const auth = authInputs(problems.list);
  if (problems.any || !settings || !repo || !auth) throw problems.error(invalidInputs);
  return {
    repo,
    auth,
    goal,
    attempt,
    ...settings,
    base,
    workspaceRoot,
    logDir,
    gitMirror,
    agentEnv,
    resume,
    wakeUp,
    checkpointEverySeconds,
    cloneUrl: core.getInput("clone-url").trim() || null,
    statsFile: locations.statsFile,
    ...sandbox,
  };
}
