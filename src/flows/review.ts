import { UserError } from "../core/errors.js";
import type { RunResultMarker } from "../core/markers.js";
import type { GoalSnapshot, GoalStore, MergeMethod, PullRequestPort } from "../core/ports.js";
import { pullNumberFromUrl } from "../core/pull-request-url.js";
import { reviewRoundsUsed } from "../core/review-rounds.js";
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

/**
 * A human asks for changes on the work: a review round (core/review-rounds.ts). The goal goes
 * back to the queue with the feedback, its pull request stays open with auto-merge off, and
 * the next run continues its branch and pushes to it. A person's explicit call: it is not
 * refused past `max-review-rounds`, which limits rounds started from reviews on GitHub.
 */
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
  const round = reviewRoundsUsed(goal.markers) + 1;
  await pulls.disableAutoMerge(pull.number);
  await store.transition(number, {
    to: "queued",
    expectedFrom: "spot-check",
    reason: `review round ${round}: @${store.viewer} asked for changes on pull request #${pull.number}; the next run continues it.`,
    marker: {
      kind: "feedback",
      attempt: pull.result.attempt,
      source: "reject",
      text,
      round,
      pullRequest: pull.number,
    },
  });
  await pulls.comment(
    pull.number,
    `Review round ${round}: @${store.viewer} asked for changes (\`goal reject\`):\n\n${text}\n\nGoal #${number} is back in the queue; its next run pushes to this pull request.`,
  );
  return { pullRequest: pull.number, round };
}
