import { attemptsUsed, latestClaim, leaseExpired, stateAfterOutcome } from "../core/attempts.js";
import { currentRound } from "../core/claims.js";
import { dependencyDone } from "../core/eligibility.js";
import type { RunResultMarker } from "../core/markers.js";
import type {
  ActionsPort,
  GoalSnapshot,
  GoalStore,
  PullRequestLookupPort,
  PullRequestStatusPort,
  WorkflowRunState,
} from "../core/ports.js";
import type { GoalState } from "../core/states.js";
import { latestPullRequest } from "./review.js";
import { respondToReviews, Writers } from "./review-rounds.js";
import { draftIfTextChanged } from "./run-claim.js";
import { settleEndedAttempt } from "./run-record.js";

/** A goal the dispatcher moved, for the report. */
export interface GoalEvent {
  number: number;
  title: string;
  url: string;
  to: GoalState;
  reason: string;
}

export interface ReconcileOptions {
  maxAttempts: number;
  maxReviewRounds: number;
  dryRun: boolean;
  now: Date;
  log: (line: string) => void;
  /** In a dry run, told of each write skipped that moves no goal. */
  skipped?: (write: string) => void;
}

/**
 * No goal stays goal:running forever. A move or result the runner recorded without changing
 * the label is completed. A running goal whose lease expired, or whose workflow run finished,
 * without a result has lost its attempt, unless its pull request says otherwise (merged or set
 * to merge → done, open → spot-check): then it goes back to the queue, or to goal:stuck after
 * the last attempt.
 */
export async function reconcileRunning(
  store: GoalStore,
  actions: ActionsPort,
  pulls: PullRequestLookupPort,
  running: readonly GoalSnapshot[],
  options: ReconcileOptions,
): Promise<GoalEvent[]> {
  // One listing of the runs in progress answers for every claim's run; a run missing from it
  // (finished, gone, or beyond the listing) is read by itself.
  let inProgress: Promise<ReadonlySet<string>> | null = null;
  const runStates = new Map<string, Promise<WorkflowRunState>>();
  const runState = (runId: string) => {
    let state = runStates.get(runId);
    if (!state) {
      inProgress ??= actions.runsInProgress();
      state = inProgress.then((ids) =>
        ids.has(runId) ? "active" : actions.workflowRunState(runId),
      );
      runStates.set(runId, state);
    }
    return state;
  };
  const events: GoalEvent[] = [];
  for (const goal of running) {
    const move = await decide(goal, runState, pulls, options);
    if (!move) continue;
    const attempt = latestClaim(goal.markers)?.attempt;
    if (attempt !== undefined)
      move.event = draftIfTextChanged(goal, attempt, move.event.to, move.event.reason);
    const event = { number: goal.ref.number, title: goal.title, url: goal.url, ...move.event };
    events.push(event);
    options.log(`#${event.number}: ${event.reason} → goal:${event.to}`);
    if (options.dryRun) continue;
    await store.transition(goal.ref.number, {
      to: event.to,
      expectedFrom: "running",
      reason: event.reason,
      ...(move.marker ? { marker: move.marker } : {}),
    });
  }
  return events;
}

async function decide(
  goal: GoalSnapshot,
  runState: (runId: string) => Promise<WorkflowRunState>,
  pulls: PullRequestLookupPort,
  options: ReconcileOptions,
): Promise<{ event: { to: GoalState; reason: string }; marker?: RunResultMarker } | null> {
  // A runner that recorded its move or result and died before the label changed: complete it.
  // (Recording ends the claim round, so the latest claim is asked, not the round's.)
  const latest = latestClaim(goal.markers);
  const recorded = latest
    ? await settleEndedAttempt(goal, latest, null, options.maxAttempts)
    : null;
  if (recorded) return { event: { to: recorded.to, reason: recorded.reason } };
  const claim = currentRound(goal.markers)[0];
  if (!claim) {
    return {
      event: {
        to: "queued",
        reason: "goal:running without a claim (set by hand?); back to the queue, no attempt used",
      },
    };
  }
  let lost: string | null = null;
  if (leaseExpired(claim, options.now)) {
    lost = `attempt ${claim.attempt} lost: its lease expired at ${claim.leaseExpiresAt} with no result`;
  } else if (claim.claimedBy.runId) {
    const state = await runState(claim.claimedBy.runId);
    if (state !== "active") {
      lost = `attempt ${claim.attempt} lost: workflow run ${claim.claimedBy.runId} ${
        state === "completed" ? "finished" : "no longer exists"
      } without a result`;
    }
  }
  if (!lost) return null;
  const byPullRequest = await settleEndedAttempt(goal, claim, pulls, options.maxAttempts);
  if (byPullRequest) {
    return {
      event: { to: byPullRequest.to, reason: byPullRequest.reason },
      ...(byPullRequest.marker ? { marker: byPullRequest.marker } : {}),
    };
  }
  const to = stateAfterOutcome("failure", attemptsUsed(goal.markers), options.maxAttempts);
  return {
    event: { to, reason: to === "stuck" ? `${lost}; that was the last attempt` : lost },
    marker: {
      kind: "run-result",
      attempt: claim.attempt,
      outcome: "failure",
      reason: lost,
      countsAsAttempt: true,
    },
  };
}

/** The goals whose latest attempt opened a pull request, each with that pull request. */
async function* withPullRequests(goals: AsyncIterable<GoalSnapshot>) {
  for await (const goal of goals) {
    const pull = latestPullRequest(goal);
    if (pull) yield { goal, pull };
  }
}

/**
 * A human may review on GitHub instead of with `goal approve` / `goal reject`: a spot-check
 * goal whose pull request was merged is done; one whose pull request was closed unmerged goes
 * back to the queue as a new attempt, told that its work was refused; one whose open pull
 * request got a request for changes goes back for a review round (flows/review-rounds.ts).
 */
export async function reconcileSpotChecks(
  store: GoalStore,
  pulls: PullRequestStatusPort,
  options: ReconcileOptions,
): Promise<GoalEvent[]> {
  const events: GoalEvent[] = [];
  const writers = new Writers(store);
  for await (const { goal, pull } of withPullRequests(store.listGoals("spot-check"))) {
    const status = await pulls.status(pull.number);
    // A goal GitHub closed is only settled (its pull request merged), never sent back.
    if (!goal.open && !status.merged) continue;
    if (status.open) {
      const round = await respondToReviews(
        { store, pulls, writers },
        goal,
        { ...pull, updatedAt: status.updatedAt },
        options,
      );
      if (round) events.push(round);
      continue;
    }
    let to: GoalState = status.merged ? "done" : "queued";
    let reason = status.merged
      ? `pull request #${pull.number} was merged by a reviewer.`
      : `pull request #${pull.number} was closed without merging; the next attempt is told so.`;
    ({ to, reason } = draftIfTextChanged(goal, pull.result.attempt, to, reason));
    events.push({ number: goal.ref.number, title: goal.title, url: goal.url, to, reason });
    options.log(`#${goal.ref.number}: ${reason} → goal:${to}`);
    if (options.dryRun) continue;
    await store.transition(goal.ref.number, {
      to,
      expectedFrom: "spot-check",
      reason,
      ...(status.merged
        ? {}
        : {
            marker: {
              kind: "feedback" as const,
              attempt: pull.result.attempt,
              source: "pr-closed" as const,
              text: `A reviewer closed pull request #${pull.number} without merging it. Read its review comments before trying again.`,
            },
          }),
    });
  }
  return events;
}

/**
 * A goal is only finished when its pull request merges. A reviewer's request for changes on an
 * open goal PR sends the goal back for a review round. An open goal PR whose checks failed,
 * or which can no longer merge, is closed and its goal re-queued as a new attempt (or made
 * stuck after the last), with the failing checks and what they reported in a feedback marker
 * for the next goal file.
 */
export async function watchGoalPullRequests(
  store: GoalStore,
  pulls: PullRequestStatusPort,
  options: ReconcileOptions,
): Promise<GoalEvent[]> {
  const events: GoalEvent[] = [];
  const writers = new Writers(store);
  for await (const { goal, pull } of withPullRequests(store.listGoals("done"))) {
    const health = await pulls.health(pull.number);
    if (!health.open) continue;
    // A reviewer's request for changes comes first: the round's run fixes the checks too.
    const round = await respondToReviews(
      { store, pulls, writers },
      goal,
      { ...pull, updatedAt: health.updatedAt },
      options,
    );
    if (round) {
      events.push(round);
      continue;
    }
    if (health.failedChecks.length === 0 && health.mergeable !== false) continue;
    const problem =
      health.failedChecks.length > 0
        ? `checks failed on pull request #${pull.number}: ${health.failedChecks.map((check) => `${check.name} (${check.conclusion})`).join(", ")}`
        : `pull request #${pull.number} can no longer merge (conflicts with its base)`;
    const failed = stateAfterOutcome("failure", attemptsUsed(goal.markers), options.maxAttempts);
    const { to, reason } = draftIfTextChanged(
      goal,
      pull.result.attempt,
      failed,
      failed === "stuck" ? `${problem}; that was the last attempt` : problem,
    );
    events.push({ number: goal.ref.number, title: goal.title, url: goal.url, to, reason });
    options.log(`#${goal.ref.number}: ${reason} → goal:${to}`);
    if (options.dryRun) continue;
    const details = health.failedChecks.map(
      (check) => `### ${check.name}: ${check.conclusion}\n${check.excerpt || "(no output)"}`,
    );
    await pulls.close(
      pull.number,
      `Closed by goal-orchestrator: ${problem}. Goal #${goal.ref.number} goes back to the ${to === "stuck" ? "humans (goal:stuck)" : "queue"}.`,
    );
    await store.transition(goal.ref.number, {
      to,
      expectedFrom: "done",
      reason,
      marker: {
        kind: "feedback",
        attempt: pull.result.attempt,
        source: "ci-failed",
        text: [`${problem}.`, ...details].join("\n\n"),
      },
    });
  }
  return events;
}

/** These stories (those still open and labelled story) are closed once their goals are all done. */
export async function closeFinishedStories(
  store: GoalStore,
  stories: readonly number[],
  options: ReconcileOptions,
): Promise<number[]> {
  const closed: number[] = [];
  for (const story of await store.openStories(stories)) {
    if (
      story.goals.length === 0 ||
      !story.goals.every((goal) =>
        dependencyDone({ ...goal, state: goal.open ? "open" : "closed" }),
      )
    ) {
      continue;
    }
    closed.push(story.number);
    options.log(`story #${story.number}: all ${story.goals.length} goals done → closed`);
    if (!options.dryRun) {
      await store.closeIssue(
        story.number,
        `All ${story.goals.length} goals of this story are done.`,
      );
    }
  }
  return closed;
}
