import type { ClaimMarker, Marker, RunResultMarker, TrustedMarker } from "./markers.js";
import { reviewRoundStart } from "./review-rounds.js";
import type { GoalState } from "./states.js";

/**
 * Attempt bookkeeping, derived only from trusted markers so any machine can rebuild it.
 *
 * Rule: attempt N is *used* when there is a claim for N and no run result for N says
 * `countsAsAttempt: false` (a run interrupted through no fault of the goal). Attempt *numbers*
 * never repeat: the next claim takes the highest number seen + 1, even after an interruption,
 * so markers of different runs can never be confused. A review round starts the count afresh.
 */

type Claim<M extends Marker> = Extract<M, { kind: "claim" }>;
type RunResult<M extends Marker> = Extract<M, { kind: "run-result" }>;
type Failure<M extends Marker> = Extract<M, { kind: "run-result" } | { kind: "feedback" }>;

function claims<M extends Marker>(markers: readonly M[]): Claim<M>[] {
  return markers.filter((m): m is Claim<M> => m.kind === "claim");
}

function runResults<M extends Marker>(markers: readonly M[]): RunResult<M>[] {
  return markers.filter((m): m is RunResult<M> => m.kind === "run-result");
}

/**
 * Attempts used in the goal's current stretch: since its latest review round began, when it has
 * had one (each round gets `max-attempts` afresh; see core/review-rounds.ts).
 */
export function attemptsUsed(allMarkers: readonly Marker[]): number {
  const markers = allMarkers.slice(Math.max(0, reviewRoundStart(allMarkers)));
  const excused = new Set(
    runResults(markers)
      .filter((result) => !result.countsAsAttempt)
      .map((result) => result.attempt),
  );
  const claimed = new Set(claims(markers).map((claim) => claim.attempt));
  return [...claimed].filter((attempt) => !excused.has(attempt)).length;
}

/** The number the next claim takes: one more than any attempt number seen. */
export function nextAttemptNumber(markers: readonly Marker[]): number {
  let highest = 0;
  for (const marker of markers) {
    const attempt = "attempt" in marker ? marker.attempt : undefined;
    if (attempt !== undefined && attempt > highest) highest = attempt;
  }
  return highest + 1;
}

/**
 * Attempts of a queued goal whose claim never became a run: no result was recorded for them and
 * the goal never moved to goal:running after the claim (a dispatcher that stopped between
 * posting its claim and moving the label, or a claim comment posted twice by a retried request
 * of which only one copy was withdrawn). Such an attempt must be withdrawn, not counted.
 */
export function unrunClaims(markers: readonly TrustedMarker[]): number[] {
  const resulted = new Set(runResults(markers).map((result) => result.attempt));
  const ranAfter = (time: string) =>
    markers.some((m) => m.kind === "transition" && m.to === "running" && m.createdAt >= time);
  const attempts = claims(markers)
    .filter((claim) => !resulted.has(claim.attempt) && !ranAfter(claim.createdAt))
    .map((claim) => claim.attempt);
  return [...new Set(attempts)].sort((a, b) => a - b);
}

export function attemptsLeft(markers: readonly Marker[], maxAttempts: number): number {
  return Math.max(0, maxAttempts - attemptsUsed(markers));
}

/** True once an attempt has been used; retries run after goals never attempted. */
export function isRetry(markers: readonly Marker[]): boolean {
  return attemptsUsed(markers) > 0;
}

/** The claim with the highest attempt number (the later one when a number repeats). */
export function latestClaim<M extends Marker>(markers: readonly M[]): Claim<M> | null {
  let latest: Claim<M> | null = null;
  for (const claim of claims(markers)) {
    if (latest === null || claim.attempt >= latest.attempt) latest = claim;
  }
  return latest;
}

/** True when the lease has run out; an unreadable expiry counts as expired so no goal stays running forever. */
export function leaseExpired(claim: ClaimMarker, now: Date): boolean {
  const expiresAt = Date.parse(claim.leaseExpiresAt);
  return Number.isNaN(expiresAt) || now.getTime() >= expiresAt;
}

export function hasResultFor(markers: readonly Marker[], attempt: number): boolean {
  return runResults(markers).some((result) => result.attempt === attempt);
}

export function resultFor<M extends Marker>(
  markers: readonly M[],
  attempt: number,
): RunResult<M> | null {
  return runResults(markers).findLast((result) => result.attempt === attempt) ?? null;
}

/** Failed runs and human or CI feedback, in order: what the next attempt should learn from. */
export function failureHistory<M extends Marker>(markers: readonly M[]): Failure<M>[] {
  return markers.filter(
    (m): m is Failure<M> =>
      (m.kind === "run-result" && m.outcome === "failure") || m.kind === "feedback",
  );
}

/**
 * The one rule for which state follows a run's outcome: success → done, spot-check →
 * spot-check, interrupted → queued (it used no attempt), failure → queued while attempts are
 * left, stuck after the last. `used` counts the attempts used, this one included.
 */
export function stateAfterOutcome(
  outcome: RunResultMarker["outcome"],
  used: number,
  maxAttempts: number,
): GoalState {
  switch (outcome) {
    case "success":
      return "done";
    case "spot-check":
      return "spot-check";
    case "interrupted":
      return "queued";
    default:
      return used >= maxAttempts ? "stuck" : "queued";
  }
}

/**
 * A move out of goal:running recorded for this attempt (after its claim): results and their
 * moves are written before the label changes, so a crash in between leaves this marker and a
 * goal:running label. Null when no such move was recorded.
 */
export function recordedMove<M extends Marker>(
  markers: readonly M[],
  attempt: number,
): Extract<M, { kind: "transition" }> | null {
  const claimAt = markers.findLastIndex((m) => m.kind === "claim" && m.attempt === attempt);
  if (claimAt < 0) return null;
  return (
    markers
      .slice(claimAt + 1)
      .findLast(
        (m): m is Extract<M, { kind: "transition" }> =>
          m.kind === "transition" && m.from === "running" && m.to !== "running",
      ) ?? null
  );
}
