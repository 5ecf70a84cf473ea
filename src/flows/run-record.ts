import { attemptsUsed, hasResultFor, latestClaim } from "../core/attempts.js";
import type { RunResultMarker } from "../core/markers.js";
import type { GoalSnapshot, GoalStore } from "../core/ports.js";
import type { GoalState } from "../core/states.js";
import { ConflictError } from "../github/errors.js";
import { textChangedSinceClaim } from "./run-claim.js";
import type { Verdict } from "./run-policy.js";
import type { RunStatsRecord } from "./run-stats.js";

export interface RecordContext {
  store: GoalStore;
  log: (line: string) => void;
  warn?: ((line: string) => void) | undefined;
  /** Link to this workflow run, for comments. */
  runUrl?: string | undefined;
}

/** Records the run result with the goal's move; a goal a human moved meanwhile keeps its state. */
export async function recordResult(
  context: RecordContext,
  settings: { goal: number; attempt: number; maxAttempts: number; reviewers: string[] },
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
  let goal: GoalSnapshot | null = null;
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
      goal = await store.getGoal(number);
      const used = attemptsUsed(goal.markers);
      to = used >= settings.maxAttempts ? "stuck" : "queued";
      why =
        to === "stuck"
          ? `attempt ${settings.attempt} failed, the last of ${settings.maxAttempts}: ${verdict.reason}.`
          : `attempt ${settings.attempt} failed (${used} of ${settings.maxAttempts} used): ${verdict.reason}.`;
    }
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
  context: RecordContext,
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
  const changed = textChangedSinceClaim(goal, attempt, false);
  const to = changed ? "draft" : "queued";
  const next = changed
    ? `it goes back to goal:draft: ${changed}. A maintainer: read it, then label it goal:queued again`
    : "the goal waits for its next turn";
  try {
    await store.transition(goalNumber, {
      to,
      expectedFrom: "running",
      reason: `attempt ${attempt} was interrupted: ${reason}; it does not count, and ${next}.${context.runUrl ? ` ([run](${context.runUrl}))` : ""}`,
      marker,
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return false;
  }
  context.log(`#${goalNumber}: attempt ${attempt} recorded as interrupted; → goal:${to}`);
  return true;
}
