import { randomUUID } from "node:crypto";
import { readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { buildAgentEnv } from "../agent/environment.js";
import { type AgentResult, describeAgentResult, launchAgent } from "../agent/launch.js";
import { type AgentStats, agentStatsOffset, readAgentStats } from "../agent/stats.js";
import type { ReasoningLevel } from "../core/agent-options.js";
import { renderArgv } from "../core/argv.js";
import { attemptsUsed, hasResultFor, latestClaim } from "../core/attempts.js";
import { winningClaim } from "../core/claims.js";
import { formatDuration } from "../core/duration.js";
import { parseGoalBody } from "../core/goal-body.js";
import { formatRepo, type RepoRef, sameRepo } from "../core/issue-ref.js";
import type { RunResultMarker } from "../core/markers.js";
import type { GoalSnapshot, GoalStore, MergeMethod, RunPullRequestPort } from "../core/ports.js";
import type { Settings } from "../core/settings.js";
import { type GoalState, SPOT_CHECK_FLAG_LABEL } from "../core/states.js";
import {
  type DiffStats,
  Git,
  goalBranchName,
  type Person,
  type TokenProvider,
} from "../git/git.js";
import { ConflictError } from "../github/errors.js";
import { GOAL_FILE_NAME, renderGoalFile } from "./run-goal-file.js";
import { judgeRun, type Verdict } from "./run-policy.js";
import { appendStatsLine, buildStatsRecord, type RunStatsRecord, statsTable } from "./run-stats.js";

/** Who commits what the agent left uncommitted. */
export const RUNNER_AUTHOR: Person = {
  name: "github-actions[bot]",
  email: "41898282+github-actions[bot]@users.noreply.github.com",
};
/** Lines of the agent's output kept in a failure's run-result marker. */
const LOG_TAIL_LINES = 30;
const LOG_TAIL_CHARS = 6000;

export interface RunGoalSettings {
  goal: number;
  attempt: number;
  model: string;
  reasoning: ReasoningLevel;
  durationSeconds: number;
  idleTimeoutSeconds: number | null;
  agentCommand: string[];
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
  /** Exact names of variables passed to the agent besides the contract ones. */
  agentEnv: string[];
  /** Start from the goal branch an earlier attempt pushed, when there is one. */
  resume: boolean;
  cloneUrl: string;
  /** For git: a token, or a provider asked before each network command (App installation tokens). */
  token: TokenProvider;
  /** The runner's stats.jsonl (design §6). */
  statsFile: string;
  /** ralph's own stats file, read when RALPH_STATS_FILE got nothing. */
  ralphStatsFile: string;
  /** SIGTERM → SIGKILL grace for the agent (default 30 s). */
  graceSeconds?: number;
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
  now?: () => Date;
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
}

interface Workspace {
  git: Git;
  dir: string;
  base: string;
  branch: string;
  resumed: boolean;
}

/**
 * One attempt at one goal (design §4): verify the claim, clone, write the goal file, run the
 * agent, judge the result, push and open the PR, record the result and move the goal on.
 */
export async function runGoal(
  context: RunGoalContext,
  settings: RunGoalSettings,
): Promise<RunGoalReport> {
  const now = context.now ?? (() => new Date());
  const { store } = context;
  const number = settings.goal;
  // The clone runs while the claim is checked; it goes into a directory of its own and only
  // replaces the goal's workspace once the claim stands.
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
    context.log(`#${number}: ${mismatch}; nothing to do.`);
    return { outcome: "skipped", reason: mismatch, prUrl: null, stats: null, state: null };
  }
  context.onStarted?.();
  const startedAt = now();
  const overrides = goalOverrides(goal);
  const model = overrides.model ?? settings.model;
  const reasoning = (overrides.reasoning as ReasoningLevel | null) ?? settings.reasoning;
  const repository = formatRepo(store.repo);

  let agent: AgentResult | null = null;
  let stats: AgentStats | null = null;
  let diff: DiffStats | null = null;
  let verdict: Verdict;
  let prUrl: string | null = null;
  let runnerError: unknown;
  try {
    const work = await prepareWorkspace(context, settings, goal, pending);
    const files = runFiles(settings, store, number);
    await writeFile(
      join(work.dir, GOAL_FILE_NAME),
      renderGoalFile(
        goal,
        settings.attempt,
        overrides.story ? await storyOf(store, overrides.story) : null,
      ),
    );
    await work.git.excludeLocally(GOAL_FILE_NAME);
    await rm(files.agentStats, { force: true });
    const ralphOffset = await agentStatsOffset(settings.ralphStatsFile);
    const values = {
      goal_file: join(work.dir, GOAL_FILE_NAME),
      model,
      reasoning,
      duration: formatDuration(settings.durationSeconds),
      goal: String(number),
      attempt: String(settings.attempt),
      repository,
    };
    const env = buildAgentEnv({
      contract: {
        GOAL_FILE: values.goal_file,
        GOAL_NUMBER: values.goal,
        GOAL_REPOSITORY: repository,
        GOAL_ATTEMPT: values.attempt,
        RALPH_MODEL: model,
        RALPH_REASONING: reasoning,
        RALPH_DURATION_SECONDS: String(settings.durationSeconds),
        RALPH_STATS_FILE: files.agentStats,
        // Not a secret: the Actions runner finds the processes a job left behind by it, so an
        // agent that outlives a killed runner process is still cleaned up when the job ends.
        ...(context.env.RUNNER_TRACKING_ID
          ? { RUNNER_TRACKING_ID: context.env.RUNNER_TRACKING_ID }
          : {}),
      },
      allow: settings.agentEnv,
      from: context.env,
    });
    const argv = renderArgv(settings.agentCommand, values);
    context.log(
      `#${number} attempt ${settings.attempt}: running ${argv[0]} on ${work.branch} (model ${model}, reasoning ${reasoning}, up to ${values.duration}); log: ${files.log}`,
    );
    const limits = {
      timeoutSeconds: settings.durationSeconds,
      idleTimeoutSeconds: settings.idleTimeoutSeconds,
    };
    agent = await launchAgent({
      argv,
      cwd: work.dir,
      env,
      ...limits,
      ...(settings.graceSeconds !== undefined ? { graceSeconds: settings.graceSeconds } : {}),
      logFile: files.log,
      ...(context.agentLine ? { onLine: context.agentLine } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    const agentEnded = describeAgentResult(agent, limits);
    context.log(`#${number}: ${agentEnded}`);
    if (agent.exitReason !== "exited") {
      // A git command of the agent's, killed with its process group, can leave the index
      // locked; nothing else uses this clone, so the lock is stale.
      await rm(join(work.dir, ".git", "index.lock"), { force: true });
    }
    stats =
      (await readAgentStats(files.agentStats, 0)) ??
      (await readAgentStats(settings.ralphStatsFile, ralphOffset));

    if (await work.git.hasUncommittedChanges()) {
      await work.git.commitAll(
        `goal #${number}: changes the agent left uncommitted (attempt ${settings.attempt})`,
        RUNNER_AUTHOR,
      );
      context.log(`#${number}: committed the changes the agent left uncommitted`);
    }
    const baseRef = `origin/${work.base}`;
    const ahead = await work.git.commitsAhead(baseRef);
    diff = ahead > 0 ? await work.git.diffStats(baseRef) : null;
    verdict = judgeRun({
      agent,
      agentEnded,
      stats,
      commitsAhead: ahead,
      diff,
      spotCheckLabel: goal.labels.some((l) => l.toLowerCase() === SPOT_CHECK_FLAG_LABEL),
      spotCheckPaths: settings.spotCheckPaths,
      spotCheckMaxLines: settings.spotCheckMaxLines,
    });

    if (verdict.outcome === "success" || verdict.outcome === "spot-check") {
      const delivered = await deliver(context, settings, goal, work, verdict, {
        repository,
        startedAt,
        agent,
        stats,
        diff,
        model,
        reasoning,
      });
      verdict = delivered.verdict;
      prUrl = delivered.prUrl;
    } else if (ahead > 0) {
      const pushed = await work.git.push(work.branch, { force: !work.resumed });
      if (pushed.ok) verdict.reason += `; its work so far is on branch ${work.branch}`;
      else context.warn?.(`#${number}: could not push the work in progress: ${pushed.message}`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (context.signal?.aborted) {
      // The job was cancelled: whatever failed after that is no fault of the goal's.
      verdict = { outcome: "interrupted", reason: `the job was cancelled (then: ${message})` };
    } else {
      runnerError = error;
      verdict = { outcome: "failure", reason: `the runner failed: ${message}` };
    }
  }

  const stats6 = buildStatsRecord({
    repository,
    goal: number,
    story: overrides.story,
    attempt: settings.attempt,
    outcome: verdict.outcome,
    reason: verdict.reason,
    startedAt,
    finishedAt: now(),
    agentSeconds: agent?.durationSeconds ?? null,
    agentExitCode: agent?.exitCode ?? null,
    agent: stats,
    diff,
    model,
    reasoning,
    prUrl,
  });
  const state = await recordResult(context, settings, verdict, {
    prUrl,
    stats: stats6,
    logTail: agent ? tail(agent.lastLines) : undefined,
  });
  try {
    await appendStatsLine(settings.statsFile, { ...stats6, goal_state: state });
  } catch (error) {
    context.warn?.(`could not append to ${settings.statsFile}: ${String(error)}`);
  }
  const report: RunGoalReport = {
    outcome: verdict.outcome,
    reason: verdict.reason,
    prUrl,
    stats: stats6,
    state,
  };
  if (runnerError !== undefined) report.error = runnerError;
  return report;
}

/** Why this runner must not work on the goal, or null when its claim stands. */
function claimProblem(goal: GoalSnapshot, attempt: number, now: Date): string | null {
  if (goal.state !== "running") {
    return `goal is ${goal.state === null ? "without a state label" : `goal:${goal.state}`}, not goal:running`;
  }
  const winner = winningClaim(goal.markers, now);
  if (!winner) return "no live claim stands on it (its lease expired?)";
  if (winner.attempt !== attempt) {
    return `the standing claim is for attempt ${winner.attempt}, not ${attempt}`;
  }
  if (hasResultFor(goal.markers, attempt)) return `attempt ${attempt} already has a result`;
  return null;
}

function goalOverrides(goal: GoalSnapshot): {
  model: string | null;
  reasoning: string | null;
  story: number | null;
} {
  try {
    const body = parseGoalBody(goal.body, goal.ref);
    const story = body.story && sameRepo(body.story, goal.ref) ? body.story.number : null;
    return { model: body.model, reasoning: body.reasoning, story };
  } catch {
    // A body that no longer parses still runs, with the inputs' model and reasoning.
    return { model: null, reasoning: null, story: null };
  }
}

async function storyOf(store: GoalStore, number: number) {
  try {
    return { number, title: (await store.getGoal(number)).title };
  } catch {
    return { number };
  }
}

function runFiles(settings: RunGoalSettings, store: GoalStore, number: number) {
  const stem = `${store.repo.owner}-${store.repo.repo}-${number}-${settings.attempt}`;
  return {
    log: join(settings.logDir, `${stem}.log`),
    agentStats: join(settings.logDir, `${stem}.stats.jsonl`),
  };
}

/**
 * A clone of the goal's repository started before the claim is verified, into a private
 * directory beside the goal's workspace (same filesystem, so adopting it is a rename). It checks
 * out origin's default branch meanwhile, so a new goal branch from it needs no checkout later.
 */
export class PendingWorkspace {
  readonly dir: string;
  readonly #token: TokenProvider;
  readonly #goal: number;
  readonly #env: NodeJS.ProcessEnv | undefined;
  /** Settles with the clone or its error; never rejects. */
  readonly #clone: Promise<Git | Error>;
  #settled = false;

  constructor(
    settings: Pick<RunGoalSettings, "cloneUrl" | "token" | "gitMirror" | "workspaceRoot">,
    repo: RepoRef,
    goal: number,
    options: { warn?: ((line: string) => void) | undefined; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.dir = join(
      settings.workspaceRoot,
      repo.owner,
      repo.repo,
      `.${goal}-${randomUUID().slice(0, 8)}.cloning`,
    );
    this.#token = settings.token;
    this.#goal = goal;
    this.#env = options.env;
    this.#clone = Git.clone({
      url: settings.cloneUrl,
      dir: this.dir,
      token: settings.token,
      reference: settings.gitMirror ?? undefined,
      env: options.env,
      warn: options.warn,
    }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  }

  /** Waits for the clone and moves it to `dir` (replacing whatever is there). */
  async adopt(dir: string): Promise<Git> {
    if (this.#settled) throw new Error("this clone was already adopted or discarded");
    this.#settled = true;
    const cloned = await this.#clone;
    if (cloned instanceof Error) {
      await rm(this.dir, { recursive: true, force: true });
      throw cloned;
    }
    await rm(dir, { recursive: true, force: true });
    await rename(this.dir, dir);
    await this.removeLeftovers();
    return new Git({ cwd: dir, token: this.#token, env: this.#env });
  }

  /**
   * Clones of this goal that a killed job left half done. Only the job whose claim stands
   * adopts, so no other job is still using one.
   */
  private async removeLeftovers() {
    const parent = dirname(this.dir);
    const prefix = `.${this.#goal}-`;
    for (const name of await readdir(parent)) {
      const path = join(parent, name);
      if (name.startsWith(prefix) && name.endsWith(".cloning") && path !== this.dir) {
        await rm(path, { recursive: true, force: true });
      }
    }
  }

  /** Waits for the clone to end and deletes it; nothing when it was adopted. */
  async discard(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    await this.#clone;
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Starts cloning the goal's repository for runGoal (see RunGoalContext.workspace). */
export function startWorkspaceClone(
  settings: Pick<RunGoalSettings, "cloneUrl" | "token" | "gitMirror" | "workspaceRoot">,
  repo: RepoRef,
  goal: number,
  warn?: (line: string) => void,
): PendingWorkspace {
  return new PendingWorkspace(settings, repo, goal, { warn });
}

async function prepareWorkspace(
  context: RunGoalContext,
  settings: RunGoalSettings,
  goal: GoalSnapshot,
  pending: PendingWorkspace,
): Promise<Workspace> {
  const { owner, repo, number } = goal.ref;
  const git = await pending.adopt(join(settings.workspaceRoot, owner, repo, String(number)));
  const dir = git.cwd;
  // The clone fetched every branch of origin: which exist is known without asking origin again.
  const checkedOut = await git.currentBranch();
  const base = settings.base ?? checkedOut;
  const branches = await git.remoteBranches();
  if (!branches.has(base)) {
    throw new Error(`the base branch ${base} does not exist in ${formatRepo(goal.ref)}`);
  }
  const branch = goalBranchName(number, goal.title);
  const resumed = settings.resume && branches.has(branch);
  if (!resumed && base === checkedOut) {
    await git.branchAtHead(branch); // the clone's work tree already is origin/<base>
  } else {
    await git.checkoutNewBranch(branch, `origin/${resumed ? branch : base}`);
  }
  context.log(
    resumed
      ? `#${number}: resuming from ${branch} as an earlier attempt left it`
      : `#${number}: new branch ${branch} from ${base}`,
  );
  return { git, dir, base, branch, resumed };
}

interface DeliveryFacts {
  repository: string;
  startedAt: Date;
  agent: AgentResult;
  stats: AgentStats | null;
  diff: DiffStats | null;
  model: string;
  reasoning: string;
}

/** Push, open the PR, and (on success) enable auto-merge. Any failure here fails the run. */
async function deliver(
  context: RunGoalContext,
  settings: RunGoalSettings,
  goal: GoalSnapshot,
  work: Workspace,
  verdict: Verdict,
  facts: DeliveryFacts,
): Promise<{ verdict: Verdict; prUrl: string | null }> {
  const number = goal.ref.number;
  const pushed = await work.git.push(work.branch, { force: !work.resumed });
  if (!pushed.ok) {
    return {
      verdict: {
        outcome: "failure",
        reason: `${pushed.rejected ? "push rejected" : "push failed"}: ${pushed.message}`,
      },
      prUrl: null,
    };
  }
  const preview = buildStatsRecord({
    repository: facts.repository,
    goal: number,
    story: null,
    attempt: settings.attempt,
    outcome: verdict.outcome,
    reason: verdict.reason,
    startedAt: facts.startedAt,
    finishedAt: context.now?.() ?? new Date(),
    agentSeconds: facts.agent.durationSeconds,
    agentExitCode: facts.agent.exitCode,
    agent: facts.stats,
    diff: facts.diff,
    model: facts.model,
    reasoning: facts.reasoning,
    prUrl: null,
  });
  let pull: Awaited<ReturnType<RunPullRequestPort["create"]>>;
  try {
    pull = await context.pulls.create({
      head: work.branch,
      base: work.base,
      title: goal.title,
      body: pullRequestBody(goal, settings, verdict, preview, context.runUrl),
    });
  } catch (error) {
    return {
      verdict: {
        outcome: "failure",
        reason: `opening the pull request failed: ${error instanceof Error ? error.message : String(error)}; the work is on branch ${work.branch}`,
      },
      prUrl: null,
    };
  }
  context.log(`#${number}: pull request ${pull.url}${pull.created ? "" : " (already open)"}`);
  if (verdict.outcome === "spot-check") return { verdict, prUrl: pull.url };
  const merge = await context.pulls.enableAutoMerge(pull, settings.mergeMethod);
  if (merge.kind === "refused") {
    return {
      verdict: {
        outcome: "spot-check",
        reason: `auto-merge could not be enabled: ${merge.reason}`,
      },
      prUrl: pull.url,
    };
  }
  const how = merge.kind === "merged" ? "merged" : `auto-merge (${settings.mergeMethod}) enabled`;
  return { verdict: { outcome: "success", reason: `${verdict.reason}; ${how}` }, prUrl: pull.url };
}

function pullRequestBody(
  goal: GoalSnapshot,
  settings: RunGoalSettings,
  verdict: Verdict,
  stats: RunStatsRecord,
  runUrl: string | undefined,
): string {
  let objective = "";
  try {
    objective = parseGoalBody(goal.body, goal.ref).objective.trim();
  } catch {
    objective = "";
  }
  const lines = [`Closes #${goal.ref.number}`, ""];
  if (objective) lines.push("## Objective", "", objective, "");
  lines.push(
    `Attempt ${settings.attempt} of ${settings.maxAttempts}${runUrl ? ` · [workflow run](${runUrl})` : ""}`,
    "",
  );
  if (verdict.outcome === "spot-check") {
    lines.push(`**Needs human review:** ${verdict.reason}.`, "");
  }
  lines.push(statsTable(stats), "");
  return lines.join("\n");
}

function tail(lines: readonly string[]): string {
  const text = lines.slice(-LOG_TAIL_LINES).join("\n");
  return text.length > LOG_TAIL_CHARS ? `…${text.slice(-LOG_TAIL_CHARS)}` : text;
}

/** Records the run result with the goal's move; a goal a human moved meanwhile keeps its state. */
async function recordResult(
  context: RunGoalContext,
  settings: RunGoalSettings,
  verdict: Verdict,
  extra: { prUrl: string | null; stats: RunStatsRecord; logTail: string | undefined },
): Promise<GoalState | null> {
  const { store } = context;
  const number = settings.goal;
  const marker: RunResultMarker = {
    kind: "run-result",
    attempt: settings.attempt,
    outcome: verdict.outcome,
    reason: verdict.reason,
    countsAsAttempt: verdict.outcome !== "interrupted",
    stats: extra.stats as unknown as Record<string, unknown>,
  };
  if (extra.prUrl) marker.prUrl = extra.prUrl;
  if (extra.logTail && (verdict.outcome === "failure" || verdict.outcome === "interrupted")) {
    marker.logTail = extra.logTail;
  }
  let to: GoalState;
  let why: string;
  switch (verdict.outcome) {
    case "success":
      to = "done";
      why = `attempt ${settings.attempt} succeeded: ${extra.prUrl ?? ""}`;
      break;
    case "spot-check":
      to = "spot-check";
      why = `attempt ${settings.attempt} needs a human review of ${extra.prUrl ?? "its pull request"}: ${verdict.reason}.`;
      break;
    case "interrupted":
      to = "queued";
      why = `attempt ${settings.attempt} was interrupted (${verdict.reason}); it does not count, and the goal waits for its next turn.`;
      break;
    default: {
      const markers = (await store.getGoal(number)).markers;
      const used = attemptsUsed(markers);
      to = used >= settings.maxAttempts ? "stuck" : "queued";
      why =
        to === "stuck"
          ? `attempt ${settings.attempt} failed, the last of ${settings.maxAttempts}: ${verdict.reason}.`
          : `attempt ${settings.attempt} failed (${used} of ${settings.maxAttempts} used): ${verdict.reason}.`;
    }
  }
  if ((to === "stuck" || to === "spot-check") && settings.reviewers.length > 0) {
    why += ` cc ${settings.reviewers.map((login) => `@${login}`).join(" ")}`;
  }
  if (context.runUrl) why += ` ([run](${context.runUrl}))`;
  try {
    await store.transition(number, { to, expectedFrom: "running", reason: why, marker });
    context.log(`#${number}: → goal:${to}`);
    return to;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    context.warn?.(`#${number}: ${error.message} The result is recorded without a state change.`);
    await store.recordMarker(number, why, marker);
    return null;
  }
}

/**
 * The post step's safety net: when the main step ended without recording a result (killed,
 * cancelled, crashed), the attempt is recorded as interrupted (it does not count) and the goal
 * is re-queued, so it never stays goal:running. Does nothing when the claim is no longer ours.
 */
export async function recordInterruption(
  context: Pick<RunGoalContext, "store" | "log" | "runUrl">,
  goalNumber: number,
  attempt: number,
  reason: string,
): Promise<boolean> {
  const { store } = context;
  const goal = await store.getGoal(goalNumber);
  const claim = latestClaim(goal.markers);
  if (goal.state !== "running" || claim?.attempt !== attempt) {
    context.log(`#${goalNumber}: not running attempt ${attempt} any more; nothing to clean up.`);
    return false;
  }
  if (hasResultFor(goal.markers, attempt)) {
    context.log(`#${goalNumber}: attempt ${attempt} already has a result.`);
    return false;
  }
  const marker: RunResultMarker = {
    kind: "run-result",
    attempt,
    outcome: "interrupted",
    reason,
    countsAsAttempt: false,
  };
  try {
    await store.transition(goalNumber, {
      to: "queued",
      expectedFrom: "running",
      reason: `attempt ${attempt} was interrupted: ${reason}; it does not count, and the goal waits for its next turn.${context.runUrl ? ` ([run](${context.runUrl}))` : ""}`,
      marker,
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return false;
  }
  context.log(`#${goalNumber}: attempt ${attempt} recorded as interrupted; → goal:queued`);
  return true;
}
