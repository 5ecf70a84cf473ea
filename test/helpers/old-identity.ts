import type { ClaimMarker } from "../../src/core/markers.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";

// What an earlier identity of the orchestrator (a token since replaced) left behind, for the
// marker-authors tests of the actions and of the CLIs.

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** Three claims of `number`, each followed by a failed result, written by `oldBot`. */
export async function failedAttemptsBy(
  oldBot: GitHubGoalStore,
  number: number,
  claimedBy: (attempt: number) => ClaimMarker["claimedBy"],
): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await oldBot.recordMarker(number, "claim", {
      kind: "claim",
      attempt,
      claimId: `old${attempt}`,
      claimedBy: claimedBy(attempt),
      claimedAt: hoursFromNow(-5),
      leaseExpiresAt: hoursFromNow(-4),
    });
    await oldBot.recordMarker(number, "failed", {
      kind: "run-result",
      attempt,
      outcome: "failure",
      reason: `agent exited 1 (attempt ${attempt})`,
      countsAsAttempt: true,
    });
  }
}
