import { leaseExpired } from "./attempts.js";
import type { ClaimMarker, Marker } from "./markers.js";

/**
 * Claiming without locks. A dispatcher posts a claim marker, then reads the goal back: the
 * first live claim of the current round wins; every other claimant backs off. GitHub orders
 * comments, so all readers agree on "first".
 *
 * A round starts after the latest marker that ends one: a run result, or a move to any state
 * other than running (a re-queue, stuck, done…). The winner's own move to running does not
 * end the round, so a late claimant still sees the winner's claim first. Claims whose lease
 * has expired do not count, so a round abandoned by a human relabel cannot block a goal
 * forever.
 */
export function currentRound<M extends Marker>(
  markers: readonly M[],
): Extract<M, { kind: "claim" }>[] {
  let start = 0;
  markers.forEach((marker, index) => {
    if (marker.kind === "run-result" || (marker.kind === "transition" && marker.to !== "running")) {
      start = index + 1;
    }
  });
  return markers
    .slice(start)
    .filter((marker): marker is Extract<M, { kind: "claim" }> => marker.kind === "claim");
}

/** The claim that owns the goal now, or null when no live claim stands. */
export function winningClaim<M extends Marker>(
  markers: readonly M[],
  now: Date,
): Extract<M, { kind: "claim" }> | null {
  return currentRound(markers).find((claim) => !leaseExpired(claim, now)) ?? null;
}

export function isSameClaim(a: ClaimMarker, b: ClaimMarker): boolean {
  return a.claimId !== undefined && a.claimId === b.claimId;
}
