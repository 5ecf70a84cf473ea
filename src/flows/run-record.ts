import {
  attemptsUsed,
  latestClaim,
  recordedMove,
  resultFor,
  stateAfterOutcome,
} from "../core/attempts.js";
import type { ClaimMarker, RunResultMarker } from "../core/markers.js";
import type { NotificationEvent } from "../core/notifications.js";
import type {
  BranchPullRequest,
  GoalSnapshot,
  GoalStore,
  PullRequestLookupPort,
} from "../core/ports.js";
import { decideByPullRequest } from "../core/pull-request-decides.js";
import type { GoalState } from "../core/states.js";
import type { RunStatsRecord } from "../core/stats-record.js";
import { ConflictError } from "../github/errors.js";
import { goalBranchOf, textChangedSinceClaim } from "./run-claim.js";
import type { Verdict } from "./run-policy.js";

export interface RecordContext {
  store: GoalStore;
  log: (line: string) => void;
  warn?: ((line: string) => void) | undefined;
  /** Link to this workflow run, for comments. */
  runUrl?: string | undefined;
  /** The time results are dated by (default: the system clock). */
  now?: (() => Date) | undefined;
}

/**
 * Where a result of `attempt` that moves the goal `to` is written: added to the attempt's claim
 * comment when `goal` (as read) shows it, which creates no new content (GitHub allows 500
 * content-creating requests an hour). A move that asks people for something (stuck,
 * spot-check, back to draft) gets a comment of its own instead: an edit notifies nobody.
 */
function intoClaimComment(
  context: RecordContext,
  goal: GoalSnapshot | null,
  attempt: number,
  to: GoalState,
) {
  if (to !== "done" && to !== "queued") return {};
  const comment = goal?.claimComments?.findLast((candidate) => candidate.attempt === attempt);
  return comment ? { appendTo: { comment, at: (context.now ?? (() => new Date()))() } } : {};
}

/** Records the run result with the goal's move; a goal a human moved meanwhile keeps its state. */
export async function recordResult(
  context: RecordContext,
  settings: { goal: number; attempt: number; maxAttempts: number; reviewers: string[] },
  verdict: Verdict,
  extra: {
    prUrl: string | null;
    stats: RunStatsRecord;
    logTail: string | undefined;
    /** The goal as the runner read it when it started: where its claim comment is. */
    claimed: GoalSnapshot | null;
  },
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
  let goal: GoalSnapshot | null = null;
  let used = 0;
  // Failures read the goal again (attempts used), so their claim comment is the one read last.
  if (verdict.outcome === "failure") {
    goal = await store.getGoal(number);
    used = attemptsUsed(goal.markers);
  }
  let to = stateAfterOutcome(verdict.outcome, used, settings.maxAttempts);
  let why: string;
  switch (verdict.outcome) {
    case "success":
      why = `attempt ${settings.attempt} succeeded: ${extra.prUrl ?? ""}`;
      break;
    case "spot-check":
      why = `attempt ${settings.attempt} needs a human review of ${extra.prUrl ?? "its pull request"}: ${verdict.reason}.`;
      break;
    case "interrupted":
      why = `attempt ${settings.attempt} was interrupted (${verdict.reason}); it does not count, and the goal waits for its next turn.`;
      break;
    default:
      why =
        to === "stuck"
          ? `attempt ${settings.attempt} failed, the last of ${settings.maxAttempts}: ${verdict.reason}.`
          : `attempt ${settings.attempt} failed (${used} of ${settings.maxAttempts} used): ${verdict.reason}.`;
  }
  if (to === "queued") {
    const changed = textChangedSinceClaim(
      goal ?? (await store.getGoal(number)),
      settings.attempt,
      false,
    );
    if (changed) {
      to = "draft";
      why += ` It goes back to goal:draft, not goal:queued: ${changed}. A maintainer: read it, then label it goal:queued again.`;
    }
  }
  if ((to === "stuck" || to === "spot-check") && settings.reviewers.length > 0) {
    why += ` cc ${settings.reviewers.map((login) => `@${login}`).join(" ")}`;
  }
  if (context.runUrl) why += ` ([run](${context.runUrl}))`;
  try {
    await store.transition(number, {
      to,
      expectedFrom: "running",
      reason: why,
      marker,
      ...intoClaimComment(context, goal ?? extra.claimed, settings.attempt, to),
    });
    context.log(`#${number}: → goal:${to}`);
    return to;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    context.warn?.(`#${number}: ${error.message} The result is recorded without a state change.`);
    await store.recordMarker(number, why, marker);
    return null;
  }
}

/** What a recorded result tells people: a goal that is stuck, waits for review, or is done. */
export function resultEvent(
  goal: GoalSnapshot,
  repository: string,
  state: GoalState | null,
  reason: string,
  prUrl: string | null,
): NotificationEvent | null {
  const ref = { repository, number: goal.ref.number, title: goal.title, url: goal.url };
  if (state === "stuck") return { kind: "stuck", ...ref, lastFailure: reason };
  if (state === "spot-check") return { kind: "spot-check", ...ref, reasons: reason, prUrl };
  if (state === "done") return { kind: "done", ...ref, prUrl };
  return null;
}

/** An attempt refused before it ran, as recorded: the goal's move, and no stats. */
export interface Refusal {
  outcome: "interrupted" | "success";
  reason: string;
  prUrl: string | null;
  stats: null;
  state: GoalState;
}

/** The goal's text changed after its claim: back to draft, attempt not used, nothing run. */
export async function refuseChangedText(
  context: RecordContext,
  settings: { goal: number; attempt: number },
  changed: string,
): Promise<Refusal> {
  const reason = `not run: ${changed}. A maintainer: read the title and body, then label it goal:queued again.`;
  context.log(`#${settings.goal}: ${reason} → goal:draft`);
  await context.store.transition(settings.goal, {
    to: "draft",
    expectedFrom: "running",
    reason: `attempt ${settings.attempt} ${reason}${context.runUrl ? ` ([run](${context.runUrl}))` : ""}`,
    marker: {
      kind: "run-result",
      attempt: settings.attempt,
      outcome: "interrupted",
      reason,
      countsAsAttempt: false,
    },
  });
  return { outcome: "interrupted", reason, prUrl: null, stats: null, state: "draft" };
}

/**
 * An earlier attempt's pull request is set to merge (its runner died before saying so, or the
 * goal was re-queued by hand): a second run would push onto work GitHub is about to merge.
 * The goal is done; this attempt did not run and does not count.
 */
export async function refuseSecondRun(
  context: RecordContext,
  settings: { goal: number; attempt: number },
  pull: BranchPullRequest,
  goal: GoalSnapshot | null = null,
): Promise<Refusal> {
  const reason = `not run: pull request #${pull.number} of this goal already has auto-merge enabled`;
  context.log(`#${settings.goal}: ${reason} → goal:done`);
  await context.store.transition(settings.goal, {
    to: "done",
    expectedFrom: "running",
    reason: `attempt ${settings.attempt} ${reason}; it merges once its checks pass.${context.runUrl ? ` ([run](${context.runUrl}))` : ""}`,
    ...intoClaimComment(context, goal, settings.attempt, "done"),
    marker: {
      kind: "run-result",
      attempt: settings.attempt,
      outcome: "success",
      reason,
      countsAsAttempt: false,
      prUrl: pull.url,
    },
  });
  return { outcome: "success", reason, prUrl: pull.url, stats: null, state: "done" };
}

export interface InterruptionContext extends RecordContext {
  /** Where the attempt's pull request is looked up; null when none can exist yet. */
  pulls: PullRequestLookupPort | null;
  /** Null when unknown (the settings could not be read): a recorded failure then re-queues, and
   * the dispatcher moves a goal without attempts left to goal:stuck. */
  maxAttempts: number | null;
}

/**
 * The post step's safety net: when the main step ended without moving the goal (killed,
 * cancelled, crashed), the goal must not stay goal:running. In order:
 * - a move the main step recorded but whose label did not land is completed;
 * - a result it recorded is applied;
 * - the attempt's pull request decides (core/pull-request-decides.ts): merged or set to merge
 *   → done, open → spot-check, with a result marker rebuilt from it;
 * - otherwise the attempt is recorded as interrupted (it does not count) and the goal re-queued.
 * Does nothing (and returns null) when the claim is no longer ours.
 */
export async function recordInterruption(
  context: InterruptionContext,
  goalNumber: number,
  attempt: number,
  reason: string,
): Promise<SettledAttempt | null> {
  const { store } = context;
  const goal = await store.getGoal(goalNumber);
  const claim = latestClaim(goal.markers);
  if (goal.state !== "running" || claim?.attempt !== attempt) {
    context.log(`#${goalNumber}: not running attempt ${attempt} any more; nothing to clean up.`);
    return null;
  }
  const run = context.runUrl ? ` ([run](${context.runUrl}))` : "";
  const settle = await settleEndedAttempt(goal, claim, context.pulls, context.maxAttempts);
  let to: GoalState;
  let why: string;
  let marker: RunResultMarker | undefined;
  if (settle) {
    ({ to, reason: why } = settle);
    marker = settle.marker;
  } else {
    marker = {
      kind: "run-result",
      attempt,
      outcome: "interrupted",
      reason,
      countsAsAttempt: false,
    };
    to = "queued";
    why = `attempt ${attempt} was interrupted: ${reason}; it does not count, and the goal waits for its next turn.`;
  }
  if (to === "queued") {
    const changed = textChangedSinceClaim(goal, attempt, false);
    if (changed) {
      to = "draft";
      why += ` It goes back to goal:draft, not the queue: ${changed}. A maintainer: read it, then label it goal:queued again.`;
    }
  }
  try {
    await store.transition(goalNumber, {
      to,
      expectedFrom: "running",
      reason: `${why}${run}`,
      ...(marker ? { marker } : {}),
      ...intoClaimComment(context, goal, attempt, to),
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return null;
  }
  context.log(`#${goalNumber}: attempt ${attempt}: ${why} → goal:${to}`);
  // A result the main step recorded before dying names its pull request; a rebuilt one does too.
  const prUrl = marker?.prUrl ?? resultFor(goal.markers, attempt)?.prUrl ?? null;
  return { goal, to, reason: why, prUrl };
}

/** Where the post step left a goal, for its notification. */
export interface SettledAttempt {
  goal: GoalSnapshot;
  to: GoalState;
  reason: string;
  prUrl: string | null;
}

/**
 * Where an attempt that ended without moving its goal leaves it, from what is on record: a
 * recorded move, a recorded result, or the attempt's pull request. Null when nothing is on
 * record (the attempt was lost). The reconciler and the post step share it.
 */
export async function settleEndedAttempt(
  goal: GoalSnapshot,
  claim: Pick<ClaimMarker, "attempt" | "claimedAt">,
  pulls: PullRequestLookupPort | null,
  maxAttempts: number | null,
): Promise<{ to: GoalState; reason: string; marker?: RunResultMarker } | null> {
  const { attempt } = claim;
  const move = recordedMove(goal.markers, attempt);
  if (move) {
    return {
      to: move.to,
      reason: `completing the move of attempt ${attempt} to goal:${move.to}, recorded (${move.reason}) before the label could change`,
    };
  }
  const recorded = resultFor(goal.markers, attempt);
  if (recorded) {
    return {
      to: stateAfterOutcome(
        recorded.outcome,
        attemptsUsed(goal.markers),
        maxAttempts ?? Number.POSITIVE_INFINITY,
      ),
      reason: `applying the recorded result of attempt ${attempt} (${recorded.outcome})`,
    };
  }
  if (!pulls) return null;
  const decided = decideByPullRequest(await pulls.forBranch(goalBranchOf(goal, attempt)), claim);
  if (!decided) return null;
  return {
    to: decided.to,
    reason: decided.reason,
    marker: {
      kind: "run-result",
      attempt,
      outcome: decided.outcome,
      reason: decided.reason,
      countsAsAttempt: true,
      prUrl: decided.prUrl,
    },
  };
}
