import type { ClaimMarker } from "./markers.js";
import type { BranchPullRequest } from "./ports.js";
import type { GoalState } from "./states.js";

/** What a goal's pull request says about an attempt that ended without recording its result. */
export interface PullRequestDecision {
  to: Extract<GoalState, "done" | "spot-check">;
  outcome: "success" | "spot-check";
  reason: string;
  prUrl: string;
}

/**
 * Before an attempt is written off (post step, lost run, expired lease), its pull request
 * decides: the runner may have died after opening it or enabling auto-merge but before saying
 * so, and a second run would then open and merge a second one.
 * - merged after the claim, or open with auto-merge → done (it merges on green);
 * - opened after the claim and still open without auto-merge → spot-check (a person decides);
 * - otherwise (none, closed unmerged, older work) → null: the attempt was lost.
 * GitHub's times are whole seconds, so the claim time is compared truncated to its second.
 */
export function decideByPullRequest(
  pulls: readonly BranchPullRequest[],
  claim: Pick<ClaimMarker, "attempt" | "claimedAt">,
): PullRequestDecision | null {
  const since = Math.floor(Date.parse(claim.claimedAt) / 1000) * 1000;
  const after = (time: string | null) => time !== null && Date.parse(time) >= since;
  const ended = `attempt ${claim.attempt} ended without recording its result`;
  const merged = pulls.find((pull) => pull.state === "merged" && after(pull.mergedAt));
  if (merged) {
    return {
      to: "done",
      outcome: "success",
      reason: `${ended}, and its pull request #${merged.number} was merged`,
      prUrl: merged.url,
    };
  }
  const merging = pulls.find((pull) => pull.state === "open" && pull.autoMerge);
  if (merging) {
    return {
      to: "done",
      outcome: "success",
      reason: `${ended}, and its pull request #${merging.number} has auto-merge enabled`,
      prUrl: merging.url,
    };
  }
  const waiting = pulls.find((pull) => pull.state === "open" && after(pull.createdAt));
  if (waiting) {
    return {
      to: "spot-check",
      outcome: "spot-check",
      reason: `${ended}, and its pull request #${waiting.number} is open without auto-merge: a person decides`,
      prUrl: waiting.url,
    };
  }
  return null;
}
