import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  attemptsLeft,
  attemptsUsed,
  failureHistory,
  hasResultFor,
  isRetry,
  latestClaim,
  leaseExpired,
  nextAttemptNumber,
  recordedMove,
  resultFor,
  stateAfterOutcome,
  unrunClaims,
} from "../../src/core/attempts.js";
import type {
  ClaimMarker,
  FeedbackMarker,
  Marker,
  RunResultMarker,
} from "../../src/core/markers.js";

const claim = (attempt: number, leaseExpiresAt = "2025-01-01T12:00:00Z"): ClaimMarker => ({
  kind: "claim",
  attempt,
  claimedBy: { host: "h", pid: attempt },
  claimedAt: "2025-01-01T08:00:00Z",
  leaseExpiresAt,
});
const run = (
  attempt: number,
  outcome: RunResultMarker["outcome"],
  countsAsAttempt = outcome !== "interrupted",
): RunResultMarker => ({
  kind: "run-result",
  attempt,
  outcome,
  reason: `${outcome} ${attempt}`,
  countsAsAttempt,
});
const feedback = (attempt: number, text: string): FeedbackMarker => ({
  kind: "feedback",
  attempt,
  source: "reject",
  text,
});

describe("attempts", () => {
  it("start at zero with attempt 1 next", () => {
    assert.equal(attemptsUsed([]), 0);
    assert.equal(nextAttemptNumber([]), 1);
    assert.equal(isRetry([]), false);
    assert.equal(attemptsLeft([], 3), 3);
    assert.equal(latestClaim([]), null);
  });

  it("count each claimed attempt, including one still running", () => {
    const markers: Marker[] = [claim(1), run(1, "failure"), claim(2)];
    assert.equal(attemptsUsed(markers), 2);
    assert.equal(nextAttemptNumber(markers), 3);
    assert.equal(attemptsLeft(markers, 3), 1);
    assert.equal(isRetry(markers), true);
  });

  it("do not count an interrupted attempt, but never reuse its number", () => {
    const markers: Marker[] = [claim(1), run(1, "interrupted"), claim(2), run(2, "failure")];
    assert.equal(attemptsUsed(markers), 1);
    assert.equal(nextAttemptNumber(markers), 3);
    assert.equal(attemptsLeft(markers, 3), 2);
    assert.equal(isRetry([claim(1), run(1, "interrupted")]), false);
  });

  it("count an interrupted run that says it counts (an expired lease)", () => {
    assert.equal(attemptsUsed([claim(1), run(1, "interrupted", true)]), 1);
  });

  it("count a repeated claim for one attempt once and never go below zero left", () => {
    const markers: Marker[] = [claim(1), claim(1), claim(2), claim(3), claim(4)];
    assert.equal(attemptsUsed(markers), 4);
    assert.equal(attemptsLeft(markers, 3), 0);
  });

  it("take the next number from any marker's attempt, such as feedback", () => {
    assert.equal(nextAttemptNumber([claim(1), feedback(4, "x")]), 5);
    assert.equal(
      nextAttemptNumber([{ kind: "transition", from: null, to: "queued", reason: "r" }]),
      1,
    );
  });
});

describe("claims and leases", () => {
  it("latestClaim takes the highest attempt, the later one on a repeat", () => {
    const first = claim(2, "2025-01-01T10:00:00Z");
    const again = claim(2, "2025-01-01T11:00:00Z");
    assert.equal(latestClaim([claim(1), first, again, run(2, "success")]), again);
    assert.equal(latestClaim([claim(3), claim(1)])?.attempt, 3);
  });

  it("leaseExpired compares with now, at the instant of expiry too", () => {
    const c = claim(1, "2025-01-01T12:00:00Z");
    assert.equal(leaseExpired(c, new Date("2025-01-01T11:59:59Z")), false);
    assert.equal(leaseExpired(c, new Date("2025-01-01T12:00:00Z")), true);
    assert.equal(leaseExpired(c, new Date("2025-01-02T00:00:00Z")), true);
    assert.equal(leaseExpired(claim(1, "garbage"), new Date(0)), true);
  });

  it("hasResultFor and resultFor look at one attempt", () => {
    const markers: Marker[] = [claim(1), run(1, "failure"), claim(2)];
    assert.equal(hasResultFor(markers, 1), true);
    assert.equal(hasResultFor(markers, 2), false);
    assert.equal(resultFor(markers, 1)?.reason, "failure 1");
    assert.equal(resultFor(markers, 2), null);
  });
});

describe("failureHistory", () => {
  it("lists failed runs and feedback in order, skipping successes, interruptions and claims", () => {
    const markers: Marker[] = [
      claim(1),
      run(1, "failure"),
      claim(2),
      run(2, "interrupted"),
      claim(3),
      run(3, "spot-check"),
      feedback(3, "wrong colour"),
      claim(4),
      run(4, "success"),
    ];
    assert.deepEqual(failureHistory(markers), [run(1, "failure"), feedback(3, "wrong colour")]);
  });

  it("keeps extra fields such as createdAt", () => {
    const stamped = { ...run(1, "failure"), createdAt: "2025-01-01T00:00:00Z" };
    assert.equal(failureHistory([stamped])[0]?.createdAt, "2025-01-01T00:00:00Z");
  });
});

describe("unrunClaims", () => {
  const at = <M extends Marker>(marker: M, createdAt: string) => ({ ...marker, createdAt });
  const toRunning = (attempt: number) =>
    ({ kind: "transition", from: "queued", to: "running", reason: "claimed", attempt }) as const;

  it("finds claims that were never followed by a move to running nor a result", () => {
    const markers = [
      at(claim(1), "2025-01-01T08:00:00Z"),
      at(toRunning(1), "2025-01-01T08:00:01Z"),
      at(run(1, "failure"), "2025-01-01T09:00:00Z"),
      at(claim(2), "2025-01-01T10:00:00Z"), // the dispatcher stopped here
      at(claim(2), "2025-01-01T10:00:00Z"), // posted twice by a retried request
    ];
    assert.deepEqual(unrunClaims(markers), [2]);
    // Withdrawn, attempt 2 no longer counts.
    const withdrawn = [...markers, at(run(2, "interrupted", false), "2025-01-01T10:10:00Z")];
    assert.deepEqual(unrunClaims(withdrawn), []);
    assert.equal(attemptsUsed(withdrawn), 1);
  });

  it("leaves alone a claim whose goal went running, even without a result yet", () => {
    const markers = [
      at(claim(1), "2025-01-01T08:00:00Z"),
      at(toRunning(1), "2025-01-01T08:00:00Z"), // the same second
    ];
    assert.deepEqual(unrunClaims(markers), []);
  });
});

describe("stateAfterOutcome", () => {
  it("is the one rule for the state after a run", () => {
    assert.equal(stateAfterOutcome("success", 1, 3), "done");
    assert.equal(stateAfterOutcome("spot-check", 3, 3), "spot-check");
    assert.equal(stateAfterOutcome("interrupted", 3, 3), "queued");
    assert.equal(stateAfterOutcome("failure", 2, 3), "queued");
    assert.equal(stateAfterOutcome("failure", 3, 3), "stuck");
  });
});

describe("recordedMove", () => {
  const move = (from: "running" | "queued", to: "done" | "running" | "queued") => ({
    kind: "transition" as const,
    from,
    to,
    reason: `${from} to ${to}`,
  });
  it("finds the move out of running recorded after the attempt's claim", () => {
    const markers: Marker[] = [claim(1), move("queued", "running"), run(1, "success")];
    assert.equal(recordedMove(markers, 1), null, "a result alone is not a move");
    markers.push(move("running", "done"));
    assert.equal(recordedMove(markers, 1)?.to, "done");
  });
  it("ignores moves of earlier attempts and attempts never claimed", () => {
    const markers: Marker[] = [claim(1), move("running", "queued"), claim(2)];
    assert.equal(recordedMove(markers, 2), null);
    assert.equal(recordedMove(markers, 3), null);
  });
});
