import { join } from "node:path";
import type { DeadlineClock } from "../agent/deadlines.js";
import { sandboxProblem } from "../agent/sandbox.js";
import type { ReasoningLevel } from "../core/agent-options.js";
import { messageOf, UserError } from "../core/errors.js";
import { formatRepo } from "../core/issue-ref.js";
import { LOG_TAIL_CHARS, LOG_TAIL_LINES, type RunResultMarker } from "../core/markers.js";
import type { Notify } from "../core/notifications.js";
import type {
  BranchPullRequest,
  GoalSnapshot,
  GoalStore,
  RunPullRequestPort,
} from "../core/ports.js";
import { openReviewRound } from "../core/review-rounds.js";
import { type GoalState, SPOT_CHECK_FLAG_LABEL } from "../core/states.js";
import type { RunStatsRecord } from "../core/stats-record.js";
import { describeHidden, type HiddenCount } from "../core/visible-text.js";
import type { Person } from "../git/git.js";
import { unansweredRequests, Writers } from "./review-rounds.js";
import { type AgentRun, runAgent } from "./run-agent.js";
import { DEFAULT_CHECKPOINT_SECONDS, startCheckpoints } from "./run-checkpoint.js";
import {
  claimProblem,
  goalBranchOf,
  goalOverrides,
  storyOf,
  textChangedSinceClaim,
} from "./run-claim.js";
import { type CollectedWork, collectCommits } from "./run-collect.js";
import { deliver, keepWork } from "./run-deliver.js";
import { renderGoalFile } from "./run-goal-file.js";
import { judgeRun, type Verdict } from "./run-policy.js";
import { recordResult, refuseChangedText, refuseSecondRun, resultEvent } from "./run-record.js";
import type { RunGoalSettings } from "./run-settings.js";
import { appendStatsLine, buildStatsRecord } from "./run-stats.js";
import {
  type PendingWorkspace,
  type PreparedWorkspace,
  prepareWorkspace,
  removeRunFiles,
  startWorkspaceClone,
  writeGoalFile,
} from "./run-workspace.js";

/** Who commits what the agent left uncommitted. */
export const RUNNER_AUTHOR: Person = {
  name: "github-actions[bot]",
  email: "41898282+github-actions[bot]@users.noreply.github.com",
};

export interface RunGoalContext {
  store: GoalStore;
  pulls: RunPullRequestPort;
  /** The runner's environment: the agent's base variables and allow-list come from it. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Each agent output line (the action streams them to the job log). */
  agentLine?: (line: string) => void;
  warn?: (line: string) => void;
  /** Aborted when the job is cancelled: the agent is stopped and the goal re-queued. */
  signal?: AbortSignal;
  /** Called once the claim is verified, before anything is changed. */
  onStarted?: () => void;
  /**
   * The clone, already started (startWorkspaceClone) so that it overlaps connecting to GitHub;
   * runGoal starts it itself otherwise. runGoal adopts or discards it.
   */
  workspace?: PendingWorkspace;
  /** Link to this workflow run, for comments. */
  runUrl?: string;
  /** Tells people a result needs them (stuck, spot-check) or, if asked, that a goal is done. */
  notify?: Notify;
  now?: () => Date;
  /** The time the agent's duration and limits go by (default: real time). */
  clock?: DeadlineClock;
}

export type RunGoalOutcome = RunResultMarker["outcome"] | "skipped";

export interface RunGoalReport {
  outcome: RunGoalOutcome;
  reason: string;
  prUrl: string | null;
  stats: RunStatsRecord | null;
  /** The state the goal was moved to (null when skipped or left as a human set it). */
  state: GoalState | null;
  /** Set when the runner itself failed (the run was still recorded as a failure). */
  error?: unknown;
  /** What was cut out of the goal file because the issue page does not show it. */
  hidden?: HiddenCount[];
}

/**
 * One attempt at one goal (design §4 and §9), as the sequence it is: check the claim → prepare
 * the workspace → run the agent in its sandbox → collect the agent's commits into the runner's
 * own repository → judge the true diff → deliver (PR, auto-merge) or keep the work → record.
 * Everything that holds a secret stays on this side of the sandbox's wall.
 */
export async function runGoal(
  context: RunGoalContext,
  settings: RunGoalSettings,
): Promise<RunGoalReport> {
  const now = context.now ?? (() => new Date());
  const { store } = context;
  const number = settings.goal;
  const log = (line: string) => context.log(`#${number}: ${line}`);
  const warn = (line: string) => context.warn?.(`#${number}: ${line}`);
  // The clone runs while the claim is checked; it only replaces the goal's workspace once the
  // claim stands.
  const pending =
    context.workspace ?? startWorkspaceClone(settings, store.repo, number, context.warn);
  let goal: GoalSnapshot;
  try {
    goal = await store.getGoal(number);
  } catch (error) {
    await pending.discard();
    throw error;
  }
  const mismatch = claimProblem(goal, settings.attempt, now());
  if (mismatch) {
    await pending.discard();
    log(`${mismatch}; nothing to do.`);
    return { outcome: "skipped", reason: mismatch, prUrl: null, stats: null, state: null };
  }
  const changed = textChangedSinceClaim(goal, settings.attempt);
  if (changed) {
    await pending.discard();
    return await refuseChangedText(context, settings, changed);
  }
  let merging: BranchPullRequest | undefined;
  try {
    merging = (await context.pulls.forBranch(goalBranchOf(goal, settings.attempt))).find(
      (pull) => pull.state === "open" && pull.autoMerge,
    );
  } catch (error) {
    await pending.discard();
    throw error;
  }
  if (merging) {
    await pending.discard();
    return await refuseSecondRun(context, settings, merging, goal);
  }
  context.onStarted?.();
  const startedAt = now();
  const round = openReviewRound(goal.markers);
  const overrides = goalOverrides(goal);
  const model = overrides.model ?? settings.model;
  const reasoning = (overrides.reasoning as ReasoningLevel | null) ?? settings.reasoning;
  const repository = formatRepo(store.repo);

  let run: AgentRun | null = null;
  let collected: CollectedWork | null = null;
  let verdict: Verdict;
  let prUrl: string | null = null;
  let runnerError: unknown;
  let workspace: PreparedWorkspace | null = null;
  let hidden: HiddenCount[] = [];
  const statsNow = (finishedAt: Date) =>
    buildStatsRecord({
      repository,
      goal: number,
      story: overrides.story,
      attempt: settings.attempt,
      outcome: verdict.outcome,
      reason: verdict.reason,
      startedAt,
      finishedAt,
      agentSeconds: run?.agent.durationSeconds ?? null,
      agentExitCode: run?.agent.exitCode ?? null,
      agent: run?.stats ?? null,
      diff: collected?.diff ?? null,
      model,
      reasoning,
      prUrl,
    });
  try {
    const unusable = settings.isolation === "sandbox" ? await sandboxProblem() : null;
    if (unusable) {
      await pending.discard();
      throw new SandboxUnavailable(unusable);
    }
    // A review round continues its pull request's branch, whatever `resume` says.
    workspace = await prepareWorkspace(
      pending,
      goal,
      { ...settings, resume: settings.resume || round !== null },
      log,
      warn,
    );
    const story = overrides.story ? await storyOf(store, overrides.story) : null;
    const goalFile = renderGoalFile(goal, settings.attempt, story);
    hidden = goalFile.hidden;
    if (hidden.length > 0)
      log(
        `removed from the goal file what the issue page does not show: ${describeHidden(hidden)}`,
      );
    if (story?.omitted)
      log(`story #${story.number}'s title left out of the goal file: ${story.omitted}`);
    await writeGoalFile(workspace.paths, goalFile.text);
    // The agent's commits reach the goal branch while it works, so a runner killed before its
    // final push loses at most one interval of them; stopped before the collection.
    const checkpoints = startCheckpoints(
      workspace,
      {
        cloneUrl: settings.cloneUrl,
        token: settings.token,
        everySeconds:
          settings.checkpointEverySeconds === undefined
            ? DEFAULT_CHECKPOINT_SECONDS
            : settings.checkpointEverySeconds,
        clock: context.clock,
      },
      log,
      warn,
    );
    try {
      run = await runAgent({ ...context, log, warn }, settings, {
        paths: workspace.paths,
        values: {
          goal: String(number),
          attempt: String(settings.attempt),
          repository,
          model,
          reasoning,
        },
        logFile: logFileOf(settings, repository, number),
      });
    } finally {
      await checkpoints.stop();
    }
    collected = await collectCommits(workspace, {
      cloneUrl: settings.cloneUrl,
      token: settings.token,
      author: RUNNER_AUTHOR,
      message: `goal #${number}: changes the agent left uncommitted (attempt ${settings.attempt})`,
    });
    if (collected.committedLeftovers) log("committed the changes the agent left uncommitted");
    verdict = judgeRun({
      agent: run.agent,
      agentEnded: run.agentEnded,
      stats: run.stats,
      commitsAhead: collected.commitsAhead,
      diff: collected.diff,
      spotCheckLabel: goal.labels.some((l) => l.toLowerCase() === SPOT_CHECK_FLAG_LABEL),
      spotCheckPaths: settings.spotCheckPaths,
      spotCheckMaxLines: settings.spotCheckMaxLines,
    });
    if (collected.problem !== null && verdict.outcome !== "interrupted") {
      verdict = { outcome: "failure", reason: collected.problem };
    }
    if (round && verdict.outcome !== "failure" && collected.head === workspace.start) {
      verdict = {
        outcome: "failure",
        reason: `review round ${round.round}: the agent changed nothing on pull request #${round.pullRequest}`,
      };
    }
    if (verdict.outcome === "success" || verdict.outcome === "spot-check") {
      ({ verdict, prUrl } = await deliver(context.pulls, context.log, {
        goal,
        attempt: settings.attempt,
        maxAttempts: settings.maxAttempts,
        mergeMethod: settings.mergeMethod,
        workspace,
        collected,
        verdict,
        stats: statsNow(now()),
        runUrl: context.runUrl,
        round,
        holdAutoMerge: async () => {
          if (!round) return null;
          const { accepted } = await unansweredRequests(
            store,
            context.pulls,
            new Writers(store),
            goal,
            round.pullRequest,
          );
          const who = [...new Set(accepted.map((request) => `@${request.author}`))].join(", ");
          return accepted.length > 0
            ? `${who} asked for more changes during the run; the next review round takes them`
            : null;
        },
      }));
    } else {
      verdict.reason += await keepWork(collected, workspace, warn);
    }
  } catch (error) {
    const message = messageOf(error);
    if (error instanceof SandboxUnavailable) {
      // No attempt was made: the machine, not the goal, is at fault.
      runnerError = new UserError(`The agent's sandbox cannot run here: ${message}`);
      verdict = {
        outcome: "interrupted",
        reason: `the sandbox cannot run on this machine: ${message}`,
      };
    } else if (context.signal?.aborted) {
      // The job was cancelled: whatever failed after that is no fault of the goal's.
      verdict = { outcome: "interrupted", reason: `the job was cancelled (then: ${message})` };
    } else {
      runnerError = error;
      verdict = { outcome: "failure", reason: `the runner failed: ${message}` };
    }
  } finally {
    if (workspace) await removeRunFiles(workspace.paths).catch(() => {});
  }

  const stats = statsNow(now());
  const state = await recordResult({ ...context, warn: context.warn, now }, settings, verdict, {
    prUrl,
    stats,
    logTail: run ? tail(run.agent.lastLines) : undefined,
    claimed: goal,
  });
  // Only once the state change is recorded; a notification that fails is a warning there.
  const event = resultEvent(goal, repository, state, verdict.reason, prUrl);
  if (event) await context.notify?.(event);
  try {
    await appendStatsLine(settings.statsFile, { ...stats, goal_state: state });
  } catch (error) {
    context.warn?.(`could not append to ${settings.statsFile}: ${String(error)}`);
  }
  const report: RunGoalReport = {
    outcome: verdict.outcome,
    reason: verdict.reason,
    prUrl,
    stats,
    state,
    hidden,
  };
  if (runnerError !== undefined) report.error = runnerError;
  return report;
}

class SandboxUnavailable extends Error {}

/** `<log-dir>/<owner>-<repo>-<goal>-<attempt>.log`, which watch-ralphs reads (design §7). */
function logFileOf(settings: RunGoalSettings, repository: string, goal: number): string {
  return join(settings.logDir, `${repository.replace("/", "-")}-${goal}-${settings.attempt}.log`);
}

function tail(lines: readonly string[]): string {
  const text = lines.slice(-LOG_TAIL_LINES).join("\n");
  return text.length > LOG_TAIL_CHARS ? `…${text.slice(-LOG_TAIL_CHARS)}` : text;
}
