import { homedir } from "node:os";
import { readSandboxSettings, type SandboxSettings } from "../agent/sandbox.js";
import { messageOf } from "../core/errors.js";
import * as input from "../core/input-values.js";
import { parseRepo, type RepoRef } from "../core/issue-ref.js";
import { Problems } from "../core/problems.js";
import {
  NOTIFY_SETTING_KEYS,
  RUN_SETTING_KEYS,
  resolveSettings,
  type Settings,
} from "../core/settings.js";
import { parseCheckpointEvery } from "../flows/run-checkpoint.js";
import { runnerLocations } from "../flows/run-locations.js";
import { parseCommandLine } from "./args.js";
import { resolveRepo } from "./connection.js";
import type { CliIo } from "./io.js";

export const ORCHESTRATOR_USAGE = `Usage: orchestrator [--repo owner/name]... [--max N] [--model M] [--reasoning R]
                    [--duration D] [--budget B] [--unknown-run-cost C] [--agent-command "…"]
                    [--interval 1m] [--once]

Runs goals on this machine: every interval, one dispatch cycle per repository (the dispatcher's
rules: reconcile, dependencies, FIFO, claims), then an agent per claimed goal, as the runner
action does. Agents' output goes to their log files (watch it with watch-ralphs).

Options:
  --repo R            a repository whose goals to run (repeat for several; default
                      GITHUB_REPOSITORY or the git remote of this directory)
  --max N             most agents at once on this machine, and most goals running per repository (2)
  --model M, --reasoning R, --duration D, --max-attempts N, --idle-timeout D,
  --merge-method M, --spot-check-paths G, --spot-check-max-lines N, --reviewers L
                      as the runner action's inputs (a goal's Model:/Reasoning: lines win)
  --agent-command C   the agent's argv template (default: ralph …)
  --agent-env NAMES   variables passed on to the agent besides the contract's (comma-separated)
  --isolation I       sandbox (default: each agent in a bubblewrap sandbox) or none (no sandbox)
  --agent-read-paths P  absolute paths the sandbox shows the agent read-only (comma-separated)
  --agent-network N   open (default), none, or allow:host,host (an enforced allow-list)
  --budget B          most cost per UTC day, like 50usd/day: then nothing new is claimed. A run
                      that reported no valid cost counts by an estimate: today's highest cost
                      per agent-minute times its agent minutes, else --unknown-run-cost
  --unknown-run-cost C  what such a run counts when nothing estimates it, like 5usd (5usd)
  --notify-url U      POST a notification here (ntfy, or any webhook) when a goal needs a
                      spot-check or is stuck, the budget is reached or a cycle fails; better
                      GOAL_ORCHESTRATOR_NOTIFY_URL, as a flag shows in the process list
  --notify-format F   ntfy (headers and a plain-text body; default) or json
  --notify-on E       done: notify every goal done too
  --interval D        time between dispatch cycles (1m); a finished agent starts one at once
  --checkpoint-every D  while an agent works, push its commits to the goal branch this often
                      (5m; off for never), so a crash loses at most that much of its work
  --workspace-root P  where goal clones go (~/.cache/goal-orchestrator/workspaces)
  --log-dir P         agent logs (~/.local/state/goal-orchestrator/logs)
  --clone-url U       clone from here instead of GitHub (one --repo only; a mirror or a test origin)
  --once              one dispatch cycle per repository, wait for its agents, then exit

Token: GITHUB_TOKEN or GH_TOKEN. Ctrl-C stops the agents; their goals go back to the queue
without using an attempt. A second Ctrl-C exits at once (goals return when their lease ends).`;

/** The settings the orchestrator takes as flags: the runner action's, plus max and the budget's. */
const SETTING_FLAGS = [
  ...RUN_SETTING_KEYS,
  ...NOTIFY_SETTING_KEYS,
  "max",
  "budget",
  "unknown-run-cost",
] as const;

export interface Options {
  repos: RepoRef[];
  /** From the flags alone: `max` bounds the agents on this machine. */
  settings: Settings;
  /** The flags as given, to lay over each repository's settings file. */
  explicit: Record<string, unknown>;
  intervalSeconds: number;
  once: boolean;
  agentEnv: string[];
  workspaceRoot: string;
  logDir: string;
  statsFile: string;
  sandbox: SandboxSettings;
  cloneUrl: string | null;
  checkpointEverySeconds: number | null;
}

/** The flags read and checked; null after --help. All problems end in one error. */
export function readOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
  cwd: string = process.cwd(),
): Options | null {
  const { values } = parseCommandLine(
    {
      args: argv,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(SETTING_FLAGS.map((flag) => [flag, { type: "string" as const }])),
        repo: { type: "string", multiple: true },
        "agent-env": { type: "string" },
        isolation: { type: "string" },
        "agent-read-paths": { type: "string" },
        "agent-network": { type: "string" },
        interval: { type: "string", default: "1m" },
        "checkpoint-every": { type: "string", default: "" },
        "workspace-root": { type: "string" },
        "log-dir": { type: "string" },
        "clone-url": { type: "string" },
        once: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    ORCHESTRATOR_USAGE,
  );
  if (values.help) {
    io.stdout(`${ORCHESTRATOR_USAGE}\n`);
    return null;
  }
  const flags = values as Record<string, string | string[] | boolean | undefined>;
  const text = (flag: string) => String(flags[flag] ?? "");
  const problems = new Problems();
  // The URL is a secret; from the environment it stays out of the process list.
  flags["notify-url"] ??= env.GOAL_ORCHESTRATOR_NOTIFY_URL;
  const explicit = Object.fromEntries(SETTING_FLAGS.map((flag) => [flag, flags[flag]]));
  const settings = problems.catch(() => resolveSettings({ explicit, file: null }));
  const repos: RepoRef[] = [];
  for (const repo of (flags.repo as string[] | undefined) ?? []) {
    try {
      repos.push(parseRepo(repo));
    } catch (error) {
      problems.add(`--repo: ${messageOf(error)}`);
    }
  }
  const intervalSeconds = problems.take("--interval", input.duration(text("interval")), 60);
  const checkpointEverySeconds = problems.catch(() =>
    parseCheckpointEvery(text("checkpoint-every"), "--checkpoint-every"),
  );
  const agentEnv = problems.take("--agent-env", input.agentEnvNames(text("agent-env")), []);
  const cloneUrl = (flags["clone-url"] as string | undefined) ?? null;
  if (cloneUrl !== null && repos.length > 1) {
    problems.add("--clone-url: only with a single --repo (it is that repository's origin).");
  }
  const sandbox = readSandboxSettings(
    {
      isolation: text("isolation"),
      readPaths: text("agent-read-paths"),
      network: text("agent-network"),
    },
    problems.list,
    (key) => `--${key}`,
  );
  const locations = runnerLocations(env);
  const base = { home: env.HOME || homedir(), relativeTo: cwd };
  const folder = (flag: string, fallback: string) =>
    flags[flag] === undefined
      ? fallback
      : problems.take(`--${flag}`, input.folder(text(flag), base), fallback);
  const workspaceRoot = folder("workspace-root", locations.workspaceRoot);
  const logDir = folder("log-dir", locations.logDir);
  if (problems.any || !settings) {
    throw problems.error(
      (list) => `${list.join("\n")}\n\nRun "orchestrator --help" for the options.`,
    );
  }
  if (repos.length === 0) repos.push(resolveRepo({}, env, cwd));
  return {
    repos,
    settings,
    explicit,
    intervalSeconds,
    once: flags.once === true,
    agentEnv,
    workspaceRoot,
    logDir,
    statsFile: locations.statsFile,
    sandbox,
    cloneUrl,
    checkpointEverySeconds,
  };
}
