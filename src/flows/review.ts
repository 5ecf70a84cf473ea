import { UserError } from "../core/errors.js";
import type { RunResultMarker } from "../core/markers.js";
import type { GoalSnapshot, GoalStore, MergeMethod, PullRequestPort } from "../core/ports.js";
import { pullNumberFromUrl } from "../core/pull-request-url.js";
import { stateLabel } from "../core/states.js";

/**
 * The pull request the runner opened for the goal's latest run; never an earlier attempt's,
 * which is not the work under review. Null when the latest run opened none.
 */
export function latestPullRequest(
  goal: GoalSnapshot,
): { number: number; result: RunResultMarker } | null {
  const result = goal.markers.findLast(
    (marker): marker is RunResultMarker & { createdAt: string } => marker.kind === "run-result",
  );
  const number = result?.prUrl ? pullNumberFromUrl(result.prUrl, goal.ref) : null;
  return result && number !== null ? { number, result } : null;
}

function goalPullRequest(goal: GoalSnapshot): { number: number; result: RunResultMarker } {
  const found = latestPullRequest(goal);
  if (!found) {
    throw new UserError(
      `Goal #${goal.ref.number} has no pull request recorded by the runner, so there is nothing to review.`,
    );
  }
  return found;
}

async function spotCheckGoal(store: GoalStore, number: number, command: string) {
  const goal = await store.getGoal(number);
  if (goal.state !== "spot-check") {
    throw new UserError(
      `Goal #${number} is ${goal.state ? stateLabel(goal.state) : "without a state label"}; ${command} works on goals in ${stateLabel("spot-check")}.`,
    );
  }
  return goal;
}

/** A human accepts the work: merge (or auto-merge) its PR, and the goal is done. */
export async function approveGoal(
  store: GoalStore,
  pulls: PullRequestPort,
  number: number,
  mergeMethod: MergeMethod,
) {
  const goal = await spotCheckGoal(store, number, "approve");
  const pull = goalPullRequest(goal);
  const outcome = await pulls.approve(pull.number, mergeMethod);
  await store.transition(number, {
    to: "done",
    expectedFrom: "spot-check",
    reason: `approved by @${store.viewer}; pull request #${pull.number}: ${outcome}.`,
  });
  return { pullRequest: pull.number, outcome };
}

/** A human refuses the work: close its PR and queue a new attempt that carries the feedback. */
export async function rejectGoal(
  store: GoalStore,
  pulls: PullRequestPort,
  number: number,
  feedback: string,
) {
  const text = feedback.trim();
  if (!text) {
    throw new UserError(
      '--feedback: say what to change, e.g. --feedback "keep the public API unchanged".',
    );
  }
  const goal = await spotCheckGoal(store, number, "reject");
  const pull = goalPullRequest(goal);
  await pulls.close(pull.number, `Rejected by @${store.viewer}:\n\n${text}`);
  await store.transition(number, {
    to: "queued",
    expectedFrom: "spot-check",
    reason: `rejected by @${store.viewer}; pull request #${pull.number} closed. The next attempt gets the feedback.`,
    marker: { kind: "feedback", attempt: pull.result.attempt, source: "reject", text },
  });
  return { pullRequest: pull.number };
}
