import { hasResultFor } from "../core/attempts.js";
import { winningClaim } from "../core/claims.js";
import { messageOf } from "../core/errors.js";
import { parseVisibleGoalBody } from "../core/goal-body.js";
import { sameRepo } from "../core/issue-ref.js";
import type { GoalSnapshot, GoalStore } from "../core/ports.js";
import type { GoalState } from "../core/states.js";
import { textFingerprint } from "../core/vouching.js";
import { goalBranchName } from "../git/branch-name.js";
import type { GoalFileStory } from "./run-goal-file.js";
import { TextVetter } from "./vet-goals.js";

/** Why this runner must not work on the goal, or null when its claim stands. */
export function claimProblem(goal: GoalSnapshot, attempt: number, now: Date): string | null {
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

/**
 * Why the goal's title and body are not the text the dispatcher vetted for this attempt
 * (core/vouching.ts), or null when they are: no one vouched for an edit made since the claim.
 * `strict`: a claim that records no vetted text (from an older dispatcher) counts as changed.
 */
export function textChangedSinceClaim(
  goal: GoalSnapshot,
  attempt: number,
  strict = true,
): string | null {
  const claim = goal.markers.findLast(
    (marker) => marker.kind === "claim" && marker.attempt === attempt,
  );
  if (claim?.kind !== "claim" || !claim.textFingerprint) {
    return strict
      ? `the claim of attempt ${attempt} records no vetted text (a dispatcher older than this runner claimed it)`
      : null;
  }
  if (claim.textFingerprint !== textFingerprint(goal.title, goal.body)) {
    return `its title or body changed after the dispatcher vetted it (vouched for by @${claim.vouchedBy ?? "?"}); no one with write access has read the new text`;
  }
  return null;
}

/**
 * A goal the orchestrator would re-queue goes to draft instead when its text changed since the
 * attempt's claim: re-queueing would vouch for text no one read (the orchestrator may act as a
 * person, whose goal:queued label counts; see core/vouching.ts).
 */
export function draftIfTextChanged(
  goal: GoalSnapshot,
  attempt: number,
  to: GoalState,
  reason: string,
): { to: GoalState; reason: string } {
  const changed = to === "queued" ? textChangedSinceClaim(goal, attempt, false) : null;
  if (!changed) return { to, reason };
  return { to: "draft", reason: `${reason}; back to goal:draft, not the queue: ${changed}` };
}

/** The branch the attempt pushes to: the one its claim records, or the title's for older claims. */
export function goalBranchOf(goal: GoalSnapshot, attempt: number): string {
  const claim = goal.markers.findLast(
    (marker) => marker.kind === "claim" && marker.attempt === attempt,
  );
  return (
    (claim?.kind === "claim" ? claim.branch : undefined) ??
    goalBranchName(goal.ref.number, goal.title)
  );
}

export function goalOverrides(goal: GoalSnapshot): {
  model: string | null;
  reasoning: string | null;
  story: number | null;
} {
  try {
    const body = parseVisibleGoalBody(goal.body, goal.ref);
    const story = body.story && sameRepo(body.story, goal.ref) ? body.story.number : null;
    return { model: body.model, reasoning: body.reasoning, story };
  } catch {
    // A body that no longer parses still runs, with the inputs' model and reasoning.
    return { model: null, reasoning: null, story: null };
  }
}

/**
 * The goal's story for the goal file: its title only when the story's text passes the same rule
 * as a goal's (core/vouching.ts; the `story` label, added by someone with write access after
 * an outsider's edit, vouches for it). A story that cannot be read is named by number only.
 */
export async function storyOf(store: GoalStore, number: number): Promise<GoalFileStory> {
  try {
    const [history] = await store.textHistories([number]);
    if (!history) return { number, omitted: "the story issue cannot be read" };
    const vetting = await new TextVetter(store).vetOne(history, "story");
    if (!vetting.ok) return { number, omitted: vetting.reason };
    return { number, title: history.title };
  } catch (error) {
    return { number, omitted: `the story issue cannot be read (${messageOf(error)})` };
  }
}
