import { hasResultFor } from "../core/attempts.js";
import { winningClaim } from "../core/claims.js";
import { parseGoalBody } from "../core/goal-body.js";
import { sameRepo } from "../core/issue-ref.js";
import type { GoalSnapshot, GoalStore } from "../core/ports.js";

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

export function goalOverrides(goal: GoalSnapshot): {
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

export async function storyOf(store: GoalStore, number: number) {
  try {
    return { number, title: (await store.getGoal(number)).title };
  } catch {
    return { number };
  }
}
