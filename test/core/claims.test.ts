import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { currentRound, isSameClaim, winningClaim } from "../../src/core/claims.js";
import type { ClaimMarker, Marker } from "../../src/core/markers.js";

const now = new Date("2026-11-25T12:00:00Z");
const claim = (id: string, attempt = 1, leaseExpiresAt = "2026-11-25T16:00:00Z"): ClaimMarker => ({
  kind: "claim",
  attempt,
  claimId: id,
  claimedBy: { runId: id },
  claimedAt: "2026-11-25T11:59:00Z",
  leaseExpiresAt,
});

describe("claims", () => {
  it("the first live claim of the round wins", () => {
    const markers: Marker[] = [claim("a"), claim("b"), claim("c")];
    assert.equal(winningClaim(markers, now)?.claimId, "a");
  });

  it("the winner's move to running does not end the round, so late claimants lose", () => {
    const markers: Marker[] = [
      claim("a"),
      { kind: "transition", from: "queued", to: "running", reason: "claimed" },
      claim("late"),
    ];
    assert.equal(winningClaim(markers, now)?.claimId, "a");
  });

  it("a run result or a re-queue starts a new round", () => {
    const old = [claim("a", 1), claim("b", 1)];
    const afterResult: Marker[] = [
      ...old,
      {
        kind: "run-result",
        attempt: 1,
        outcome: "failure",
        reason: "exit 1",
        countsAsAttempt: true,
      },
      claim("c", 2),
    ];
    assert.equal(winningClaim(afterResult, now)?.claimId, "c");
    const afterRequeue: Marker[] = [
      ...old,
      { kind: "transition", from: "running", to: "queued", reason: "lease" },
    ];
    assert.deepEqual(currentRound(afterRequeue), []);
    assert.equal(winningClaim(afterRequeue, now), null);
  });

  it("expired claims do not block the goal", () => {
    const markers: Marker[] = [claim("stale", 1, "2026-11-25T11:00:00Z"), claim("fresh")];
    assert.equal(winningClaim(markers, now)?.claimId, "fresh");
  });

  it("claims without ids are never mistaken for one's own", () => {
    const { claimId: _, ...anonymous } = claim("x");
    assert.equal(isSameClaim(anonymous, anonymous), false);
    assert.equal(isSameClaim(claim("x"), claim("x")), true);
    assert.equal(isSameClaim(claim("x"), claim("y")), false);
  });
});
