import { hostname } from "node:os";
import { resolve } from "node:path";
import { agentEnvProblems } from "../agent/environment.js";
import { readSandboxSettings, type SandboxSettings, sandboxProblem } from "../agent/sandbox.js";
import { describeDayCost, formatUsd } from "../core/budget.js";
import { formatDuration, parseDuration } from "../core/duration.js";
import { messageOf, UserError } from "../core/errors.js";
import { formatRepo, parseRepo, type RepoRef } from "../core/issue-ref.js";
import type { Claimant } from "../core/markers.js";
import type { Notify } from "../core/notifications.js";
import {
  NOTIFY_SETTING_KEYS,
  RUN_SETTING_KEYS,
  resolveSettings,
  type Settings,
} from "../core/settings.js";
import type { ClaimedGoal } from "../flows/claim-goals.js";
import { dispatch } from "../flows/dispatch.js";
import { dispatchEvents, notifyAll } from "../flows/dispatch-notifications.js";
import { parseCheckpointEvery } from "../flows/run-checkpoint.js";
import { type RunGoalReport, runGoal } from "../flows/run-goal.js";
import { runnerLocations } from "../flows/run-locations.js";
import { runSettingsOf } from "../flows/run-settings.js";
import { GitHubActionsApi } from "../github/actions-api.js";
import { GitHubDispatchLock } from "../github/dispatch-lock.js";
import { GitHubPullRequests } from "../github/pull-requests.js";
import { httpNotifier } from "../notify/http-notifier.js";
import { parseCommandLine } from "./args.js";
import { type Connection, connect, resolveRepo } from "./connection.js";
import { type CliIo, processIo, runCli, terminalSafe } from "./io.js";

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

interface Options {
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

interface Target {
  connection: Connection;
  /** The flags over the repository's settings file: this repository's goals run with these. */
  settings: Settings;
  cloneUrl: string;
  lock: GitHubDispatchLock;
  actions: GitHubActionsApi;
  pulls: GitHubPullRequests;
  /** The last note printed, so a budget or a full house is said once, not every cycle. */
  lastNotes: string;
  notify: Notify;
}

interface Running {
  repo: string;
  goal: ClaimedGoal;
  controller: AbortController;
  done: Promise<void>;
}

export async function orchestratorMain(
  argv: string[],
  io: CliIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  return runCli(
    "orchestrator",
    async () => {
      const options = readOptions(argv, env, io);
      if (!options) return 0;
      // Checked before anything is claimed: otherwise every claimed goal would go back to the queue.
      const unusable = options.sandbox.isolation === "sandbox" ? await sandboxProblem() : null;
      if (unusable) throw new UserError(`The agents' sandbox cannot run here: ${unusable}`);
      const say = (line: string) => io.stdout(`[${clock()}] ${line}\n`);
      const token = env.GITHUB_TOKEN || env.GH_TOKEN || "";
      const targets: Target[] = [];
      for (const repo of options.repos) {
        // Connecting reads the settings file (its marker-authors decide whose markers count).
        const connection = await connect({ repo: formatRepo(repo) }, env);
        const file = connection.settingsFile;
        const settings = file
          ? resolveSettings({ explicit: options.explicit, file })
          : options.settings;
        const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
        targets.push({
          connection,
          settings,
          cloneUrl: options.cloneUrl ?? `${server}/${formatRepo(repo)}.git`,
          lock: new GitHubDispatchLock(connection.client, repo, connection.store.trustedAuthors),
          actions: new GitHubActionsApi(connection.client, repo, null),
          pulls: new GitHubPullRequests(connection.client, repo),
          lastNotes: "",
          notify: httpNotifier({
            url: settings.notifyUrl,
            format: settings.notifyFormat,
            on: settings.notifyOn,
            log: () => {},
            warn: (line) => say(`${formatRepo(repo)}: warning: ${line}`),
          }),
        });
      }
      const claimant: Claimant = { host: hostname(), pid: process.pid };
      const running = new Map<string, Running>();
      let failedCycles = 0;
      let stopping = false;
      // An agent that finishes frees a slot: the loop wakes at once, or, when it finishes
      // during a cycle, does not sleep after it.
      let slotFreed = false;
      let wake: () => void = () => {
        slotFreed = true;
      };
      const stop = () => {
        if (stopping) {
          // A second Ctrl-C: the user will not wait for the agents to wind down.
          say("stopping now; goals still running return to the queue when their lease expires");
          if (signals === process) process.exit(130);
          return;
        }
        stopping = true;
        say(
          running.size > 0
            ? `stopping: ${running.size} agent(s) are told to stop; their goals go back to the queue`
            : "stopping",
        );
        for (const run of running.values()) run.controller.abort();
        wake();
      };
      signals.on("SIGINT", stop);
      signals.on("SIGTERM", stop);
      say(
        `orchestrating ${targets.map((t) => formatRepo(t.connection.repo)).join(", ")} as ${claimant.host} pid ${claimant.pid}: at most ${options.settings.max} agent(s)${
          options.settings.budget
            ? `, budget ${formatUsd(options.settings.budget.amountUsd)}/day`
            : ""
        }, isolation ${options.sandbox.isolation}`,
      );
      if (options.sandbox.isolation === "none") {
        say(
          "warning: --isolation none: agents run without a sandbox, as your user: they can read your tokens from this process and change any of your files.",
        );
      }
      try {
        do {
          for (const target of targets) {
            if (stopping) break;
            try {
              await cycle(target, options, claimant, running, token, env, say, () => wake());
            } catch (error) {
              // One failed cycle (GitHub unreachable after retries, say) must not stop the
              // agents at work or the other repositories: the next cycle tries again.
              failedCycles++;
              const message = messageOf(error);
              say(
                `${formatRepo(target.connection.repo)}: the dispatch cycle failed: ${message}${options.once ? "" : "; trying again next cycle"}`,
              );
              await target.notify({
                kind: "cycle-failed",
                repository: formatRepo(target.connection.repo),
                error: message,
                url: null,
              });
            }
          }
          if (options.once || stopping) break;
          // Sleep until the next cycle, or until an agent finishes and frees a slot.
          if (!slotFreed) {
            await new Promise<void>((done) => {
              const timer = setTimeout(done, options.intervalSeconds * 1000);
              wake = () => {
                clearTimeout(timer);
                done();
              };
            });
          }
          slotFreed = false;
          wake = () => {
            slotFreed = true;
          };
        } while (!stopping);
        await Promise.all([...running.values()].map((run) => run.done));
      } finally {
        signals.off("SIGINT", stop);
        signals.off("SIGTERM", stop);
      }
      return options.once && failedCycles > 0 ? 1 : 0;
    },
    io,
  );
}

/** One dispatch cycle for one repository, and an agent for each goal it claims. */
async function cycle(
  target: Target,
  options: Options,
  claimant: Claimant,
  running: Map<string, Running>,
  token: string,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
  freed: () => void,
) {
  const { store, repo } = target.connection;
  const name = formatRepo(repo);
  const report = await dispatch(
    { store, actions: target.actions, pulls: target.pulls, lock: target.lock, claimant },
    {
      max: target.settings.max,
      // --max bounds the agents on this machine; the repository's max bounds its running goals.
      claimLimit: Math.max(0, options.settings.max - running.size),
      maxAttempts: target.settings.maxAttempts,
      maxReviewRounds: target.settings.maxReviewRounds,
      durationSeconds: target.settings.durationSeconds,
      goal: null,
      dryRun: false,
      runnerLabels: [],
      checkRunners: false,
      budget: target.settings.budget,
      unknownRunCostUsd: target.settings.unknownRunCostUsd,
    },
  );
  for (const event of [
    ...report.requeued,
    ...report.stuck,
    ...report.toDraft,
    ...report.reviewed,
  ]) {
    say(`${name}#${event.number}: goal:${event.to}: ${event.reason}`);
  }
  for (const blocked of report.blocked.filter((goal) => goal.told)) {
    say(`${name}#${blocked.number}: blocked: ${blocked.by.join(", ")} goal:stuck`);
  }
  const notes = report.notes.join(" ");
  if (notes && notes !== target.lastNotes) say(`${name}: ${notes}`);
  target.lastNotes = notes;
  await notifyAll(
    target.notify,
    dispatchEvents(report, name, target.settings.budget, { runUrl: null }),
  );
  for (const goal of report.claimed) {
    const key = `${name}#${goal.number}`;
    const controller = new AbortController();
    say(`${key}: attempt ${goal.attempt} claimed: ${terminalSafe(goal.title)}`);
    const started = Date.now();
    const done = runGoal(
      {
        store,
        pulls: target.pulls,
        env,
        log: () => {},
        warn: (line) => say(`${key}: warning: ${line}`),
        signal: controller.signal,
        notify: target.notify,
      },
      {
        goal: goal.number,
        attempt: goal.attempt,
        ...runSettingsOf(target.settings),
        base: null,
        workspaceRoot: options.workspaceRoot,
        logDir: options.logDir,
        gitMirror: null,
        agentEnv: options.agentEnv,
        resume: true,
        checkpointEverySeconds: options.checkpointEverySeconds,
        cloneUrl: target.cloneUrl,
        token,
        statsFile: options.statsFile,
        ...options.sandbox,
      },
    )
      .then((result) => say(`${key}: attempt ${goal.attempt}: ${describe(result, started)}`))
      .catch((error: unknown) =>
        say(`${key}: attempt ${goal.attempt}: the runner failed: ${String(error)}`),
      )
      .finally(() => {
        running.delete(key);
        freed();
      });
    running.set(key, { repo: name, goal, controller, done });
  }
  if (report.today) {
    const today = report.today;
    const busy = [...running.values()].filter((run) => run.repo === name);
    say(
      `${name}: ${busy.length} agent(s) here, ${report.running} running in all, ${report.queued} queued; today ${describeDayCost(today, target.settings.budget)}`,
    );
  }
}

function describe(report: RunGoalReport, started: number): string {
  const took = formatDuration((Date.now() - started) / 1000);
  const cost = report.stats?.cost_usd;
  const figures = [took, cost === null || cost === undefined ? "cost unknown" : formatUsd(cost)];
  const where = report.state ? ` → goal:${report.state}` : "";
  return `${report.outcome}${where}${report.prUrl ? ` ${report.prUrl}` : ""} (${figures.join(", ")}): ${report.reason}`;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Options | null {
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
  const problems: string[] = [];
  // The URL is a secret; from the environment it stays out of the process list.
  flags["notify-url"] ??= env.GOAL_ORCHESTRATOR_NOTIFY_URL;
  let settings: Settings | null = null;
  try {
    settings = resolveSettings({
      explicit: Object.fromEntries(SETTING_FLAGS.map((flag) => [flag, flags[flag]])),
      file: null,
    });
  } catch (error) {
    problems.push((error as Error).message);
  }
  const repos: RepoRef[] = [];
  for (const text of (flags.repo as string[] | undefined) ?? []) {
    try {
      repos.push(parseRepo(text));
    } catch (error) {
      problems.push(`--repo: ${(error as Error).message}`);
    }
  }
  let intervalSeconds = 60;
  try {
    intervalSeconds = parseDuration(String(flags.interval), "--interval");
  } catch (error) {
    problems.push((error as Error).message);
  }
  let checkpointEverySeconds: number | null = null;
  try {
    checkpointEverySeconds = parseCheckpointEvery(
      String(flags["checkpoint-every"] ?? ""),
      "--checkpoint-every",
    );
  } catch (error) {
    problems.push((error as Error).message);
  }
  const agentEnv = String(flags["agent-env"] ?? "")
    .split(/[\s,]+/)
    .filter(Boolean);
  problems.push(...agentEnvProblems(agentEnv, "--agent-env"));
  const cloneUrl = (flags["clone-url"] as string | undefined) ?? null;
  if (cloneUrl !== null && repos.length > 1) {
    problems.push("--clone-url: only with a single --repo (it is that repository's origin).");
  }
  const sandbox = readSandboxSettings(
    {
      isolation: String(flags.isolation ?? ""),
      readPaths: String(flags["agent-read-paths"] ?? ""),
      network: String(flags["agent-network"] ?? ""),
    },
    problems,
    (key) => `--${key}`,
  );
  const locations = runnerLocations(env);
  const path = (flag: string, fallback: string) => {
    const text = flags[flag] as string | undefined;
    if (text === undefined) return fallback;
    if (text.trim() === "") problems.push(`--${flag}: give a folder, not an empty text.`);
    return resolve(text);
  };
  const workspaceRoot = path("workspace-root", locations.workspaceRoot);
  const logDir = path("log-dir", locations.logDir);
  if (problems.length > 0 || !settings) {
    throw new UserError(`${problems.join("\n")}\n\nRun "orchestrator --help" for the options.`);
  }
  if (repos.length === 0) repos.push(resolveRepo({}, env, process.cwd()));
  return {
    repos,
    settings,
    explicit: Object.fromEntries(SETTING_FLAGS.map((flag) => [flag, flags[flag]])),
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

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}
