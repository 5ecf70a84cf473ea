import { latestClaim } from "../core/attempts.js";
import { encodeMarker, type ReviewReplyMarker } from "../core/markers.js";
import type { GoalSnapshot, GoalStore, ReviewPort } from "../core/ports.js";
import {
  answeredRequests,
  feedbackMarkers,
  REVISE_COMMAND,
  type ReviewRequest,
  reviewRoundsUsed,
} from "../core/review-rounds.js";
import type { GoalState } from "../core/states.js";
import type { GoalEvent } from "./reconcile.js";
import { draftIfTextChanged } from "./run-claim.js";

/**
 * How long after a goal's latest marker its pull request is still read for review requests
 * however it looks: a request made while the runner was finishing (between opening the pull
 * request and writing its result) changes the pull request before that marker.
 */
const REVIEW_READ_MARGIN_MS = 10 * 60 * 1000;

/**
 * Whether a goal's pull request may hold review requests nobody has read: it changed since
 * the goal's latest marker (give or take the margin). Reading it costs two requests or more,
 * so an unchanged pull request is never read.
 */
export function mayHoldNewRequests(goal: GoalSnapshot, pullUpdatedAt: string): boolean {
  // The latest by time, not the last in order: a result added to a claim comment is dated by
  // its edit but ordered with the claim.
  const times = goal.markers.map((marker) => Date.parse(marker.createdAt));
  if (times.length === 0) return true;
  return Date.parse(pullUpdatedAt) >= Math.max(...times) - REVIEW_READ_MARGIN_MS;
}

/** Per cycle: who may ask for changes (write access), asked once per login. */
export class Writers {
  private readonly known = new Map<string, Promise<boolean>>();
  constructor(private readonly store: Pick<GoalStore, "hasWriteAccess">) {}
  has(login: string): Promise<boolean> {
    const key = login.toLowerCase();
    let answer = this.known.get(key);
    if (!answer) {
      answer = this.store.hasWriteAccess(login);
      this.known.set(key, answer);
    }
    return answer;
  }
}

/** The review requests on a goal's pull request that nobody has acted on yet, by who asked. */
export interface UnansweredRequests {
  /** From people with write access, with text: feedback for a round. */
  accepted: ReviewRequest[];
  /** `/goal revise` with nothing after it, from people with write access. */
  withoutText: ReviewRequest[];
  /** From people without write access: ignored, and said so once per pull request. */
  outsiders: ReviewRequest[];
  outsidersTold: boolean;
}

export async function unansweredRequests(
  store: Pick<GoalStore, "trustedAuthors">,
  pulls: ReviewPort,
  writers: Writers,
  goal: GoalSnapshot,
  pull: number,
): Promise<UnansweredRequests> {
  const { requests, replies } = await pulls.reviewRequests(pull, {
    answered: answeredRequests(goal.markers),
    trustedAuthors: store.trustedAuthors,
  });
  const answered = answeredRequests([...goal.markers, ...replies]);
  const sorted: UnansweredRequests = {
    accepted: [],
    withoutText: [],
    outsiders: [],
    outsidersTold: replies.some(
      (reply) => reply.kind === "review-reply" && reply.reason === "outsider",
    ),
  };
  for (const request of requests) {
    if (answered.has(request.id)) continue;
    if (!(await writers.has(request.author))) sorted.outsiders.push(request);
    else if (request.text.trim() === "") sorted.withoutText.push(request);
    else sorted.accepted.push(request);
  }
  return sorted;
}

export interface ReviewRoundOptions {
  maxReviewRounds: number;
  dryRun: boolean;
  log: (line: string) => void;
  /** In a dry run, told of each write skipped that moves no goal (an answer on a pull request). */
  skipped?: (write: string) => void;
}

/**
 * Acts on the review requests of a goal that is done or waits for review, with its pull request
 * open: answers what it will not act on, and sends the goal back to the queue for a review round
 * with the accepted requests as feedback, or, once its rounds are used up, to a human. Returns
 * the move, or null when the goal stays. A pull request unchanged since the goal's latest
 * marker is not read (mayHoldNewRequests).
 */
export async function respondToReviews(
  { store, pulls, writers }: { store: GoalStore; pulls: ReviewPort; writers: Writers },
  goal: GoalSnapshot,
  pull: { number: number; result: { attempt: number }; updatedAt: string },
  options: ReviewRoundOptions,
): Promise<GoalEvent | null> {
  const from = goal.state;
  if (from !== "done" && from !== "spot-check") return null;
  if (!mayHoldNewRequests(goal, pull.updatedAt)) return null;
  const found = await unansweredRequests(store, pulls, writers, goal, pull.number);
  if (options.dryRun) {
    if (found.accepted.length > 0)
      options.log(`#${goal.ref.number}: ${found.accepted.length} review request(s) (dry run)`);
    if (found.accepted.length > 0 || needsAnswer(found))
      options.skipped?.(`review requests on pull request #${pull.number}`);
    return null;
  }
  await answerIgnored(pulls, pull.number, found);
  if (found.accepted.length === 0) return null;
  const round = reviewRoundsUsed(goal.markers) + 1;
  const who = [...new Set(found.accepted.map((request) => `@${request.author}`))].join(", ");
  if (round > options.maxReviewRounds) {
    return await handToHuman(store, pulls, goal, pull.number, found.accepted, from, {
      ...options,
      who,
    });
  }
  await pulls.disableAutoMerge(pull.number);
  const feedback = feedbackMarkers(
    {
      attempt: latestClaim(goal.markers)?.attempt ?? pull.result.attempt,
      source: "review",
      round,
      pullRequest: pull.number,
    },
    found.accepted,
  );
  const { to, reason } = draftIfTextChanged(
    goal,
    pull.result.attempt,
    "queued",
    `review round ${round} of ${options.maxReviewRounds}: ${who} asked for changes on pull request #${pull.number}; the next run continues it`,
  );
  options.log(`#${goal.ref.number}: ${reason} → goal:${to}`);
  const [first, ...rest] = feedback;
  await store.transition(goal.ref.number, {
    to,
    expectedFrom: from,
    reason,
    ...(first ? { marker: first } : {}),
  });
  for (const marker of rest) {
    await store.recordMarker(goal.ref.number, `Review round ${round}: more feedback.`, marker);
  }
  await pulls.comment(
    pull.number,
    to === "queued"
      ? `Review round ${round} of ${options.maxReviewRounds}: goal #${goal.ref.number} is back in the queue with the feedback of ${who}. Its next run pushes to this pull request; auto-merge stays off until that run succeeds.`
      : `Review round ${round}: the feedback of ${who} is recorded, but goal #${goal.ref.number} went back to goal:draft because its text changed since its last run; a maintainer queues it again.`,
  );
  return { number: goal.ref.number, title: goal.title, url: goal.url, to, reason };
}

/** Past `max-review-rounds`: no more runs; the pull request waits for a person. */
async function handToHuman(
  store: GoalStore,
  pulls: ReviewPort,
  goal: GoalSnapshot,
  pull: number,
  requests: ReviewRequest[],
  from: Extract<GoalState, "done" | "spot-check">,
  options: ReviewRoundOptions & { who: string },
): Promise<GoalEvent | null> {
  const reason = `${options.who} asked for changes on pull request #${pull}, but goal #${goal.ref.number} has had its ${options.maxReviewRounds} review rounds (max-review-rounds): a person takes it from here`;
  await pulls.disableAutoMerge(pull);
  await reply(
    pulls,
    pull,
    `${reason}. Push the changes to this branch yourself, or raise \`max-review-rounds\` and ask again.`,
    { kind: "review-reply", reason: "rounds-used", requests: requests.map((r) => r.id) },
  );
  options.log(`#${goal.ref.number}: ${reason} → goal:spot-check`);
  if (from === "spot-check") return null;
  await store.transition(goal.ref.number, { to: "spot-check", expectedFrom: from, reason });
  return { number: goal.ref.number, title: goal.title, url: goal.url, to: "spot-check", reason };
}

/** Says why some requests were not acted on: outsiders (once per pull request), no text. */
function needsAnswer(found: UnansweredRequests): boolean {
  return (found.outsiders.length > 0 && !found.outsidersTold) || found.withoutText.length > 0;
}

async function answerIgnored(pulls: ReviewPort, pull: number, found: UnansweredRequests) {
  if (found.outsiders.length > 0 && !found.outsidersTold) {
    const who = [...new Set(found.outsiders.map((request) => `@${request.author}`))].join(", ");
    await reply(
      pulls,
      pull,
      `Review requests from people without write access to this repository (${who}) do not reach the agent. Someone with write access can ask for the changes with a review that requests changes, or \`${REVISE_COMMAND} <what to change>\`. (Said once per pull request.)`,
      { kind: "review-reply", reason: "outsider", requests: found.outsiders.map((r) => r.id) },
    );
  }
  if (found.withoutText.length > 0) {
    await reply(
      pulls,
      pull,
      `\`${REVISE_COMMAND}\` needs what to change after it, for example \`${REVISE_COMMAND} keep the old flag as an alias\`. Nothing was done.`,
      { kind: "review-reply", reason: "no-text", requests: found.withoutText.map((r) => r.id) },
    );
  }
}

function reply(pulls: ReviewPort, pull: number, text: string, marker: ReviewReplyMarker) {
  return pulls.comment(pull, `${text}\n\n${encodeMarker(marker)}`);
}
