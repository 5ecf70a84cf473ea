import { hostname } from "node:os";
import { sandboxProblem } from "../agent/sandbox.js";
import { cloneUrl as cloneUrlOf } from "../core/actions-environment.js";
import { describeDayCost, formatUsd } from "../core/budget.js";
import { formatDuration } from "../core/duration.js";
import { messageOf, UserError } from "../core/errors.js";
import { formatRepo } from "../core/issue-ref.js";
import type { Claimant } from "../core/markers.js";
import type { Notify } from "../core/notifications.js";
import { resolveSettings, type Settings } from "../core/settings.js";
import type { ClaimedGoal } from "../flows/claim-goals.js";
import { type DispatchReport, dispatch } from "../flows/dispatch.js";
import { dispatchEvents, notifyAll } from "../flows/dispatch-notifications.js";
import { type RunGoalReport, runGoal } from "../flows/run-goal.js";
import { runSettingsOf } from "../flows/run-settings.js";
import { GitHubActionsApi } from "../github/actions-api.js";
import { GitHubDispatchLock } from "../github/dispatch-lock.js";
import { GitHubPullRequests } from "../github/pull-requests.js";
import { httpNotifier } from "../notify/http-notifier.js";
import { type Connection, connect } from "./connection.js";
import { type CliIo, processIo, runCli, terminalSafe } from "./io.js";
import { type Options, readOptions } from "./orchestrator-options.js";

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

/**
 * What the loop waits on between cycles: real time by default; tests move a manual clock
 * (test/helpers/manual-clock.ts), so that no interval passes unless they say so.
 */
export interface IntervalClock {
  /** Calls `fire` once, `ms` from now, unless the returned function is called first. */
  after(ms: number, fire: () => void): () => void;
}

export const systemIntervalClock: IntervalClock = {
  after: (ms, fire) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

export async function orchestratorMain(
  argv: string[],
  io: CliIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
  signals: NodeJS.EventEmitter = process,
  intervals: IntervalClock = systemIntervalClock,
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
        targets.push({
          connection,
          settings,
          cloneUrl: options.cloneUrl ?? cloneUrlOf(env, repo),
          lock: new GitHubDispatchLock(connection.client, repo),
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
      // A wake-up: an agent that finishes frees a slot, and the loop wakes at once; one that
      // finishes during a cycle marks the loop dirty, so that another cycle follows right
      // after it. So does a cycle that claimed and still left slots free with goals queued
      // (a claim lost to another machine, a goal vetted out): nothing waits for the interval
      // while a slot is free and the queue moves.
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
              const report = await cycle(target, options, claimant, running, token, env, say, () =>
                wake(),
              );
              const free = options.settings.max - running.size;
              if (report.claimed.length > 0 && free > 0 && report.queued > 0) slotFreed = true;
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
              const cancel = intervals.after(options.intervalSeconds * 1000, done);
              wake = () => {
                cancel();
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
      // Asked when the cycle claims: agents that finished while it reconciled free their slots
      // for this cycle, not the next.
      claimLimit: () => Math.max(0, options.settings.max - running.size),
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
  reportCycle(target, report, running, say);
  return report;
}

function reportCycle(
  target: Target,
  report: DispatchReport,
  running: Map<string, Running>,
  say: (line: string) => void,
) {
  const name = formatRepo(target.connection.repo);
  const busy = [...running.values()].filter((run) => run.repo === name);
  // Today's cost is read only under a budget (flows/dispatch.ts).
  const today = report.today
    ? `; today ${describeDayCost(report.today, target.settings.budget)}`
    : "";
  say(
    `${name}: ${busy.length} agent(s) here, ${report.running} running in all, ${report.queued} queued${today}`,
  );
}

function describe(report: RunGoalReport, started: number): string {
  const took = formatDuration((Date.now() - started) / 1000);
  const cost = report.stats?.cost_usd;
  const figures = [took, cost === null || cost === undefined ? "cost unknown" : formatUsd(cost)];
  const where = report.state ? ` → goal:${report.state}` : "";
  return `${report.outcome}${where}${report.prUrl ? ` ${report.prUrl}` : ""} (${figures.join(", ")}): ${report.reason}`;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}
