import { encodeTicket, LOCK_ISSUE_TITLE, LOCK_LABEL } from "../../src/core/dispatch-lock.js";
import type { ClaimMarker } from "../../src/core/markers.js";
import type { GitHubClient } from "../../src/github/client.js";
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

/** A dispatch-lock ticket `oldBot` left behind, expired an hour ago: its comment id. */
export async function expiredTicketBy(
  maintainer: GitHubClient,
  oldBot: GitHubClient,
  where: { owner: string; repo: string },
  holder: string,
): Promise<number> {
  const issue = await maintainer.rest.issues.create({
    ...where,
    title: LOCK_ISSUE_TITLE,
    body: "lock",
    labels: [LOCK_LABEL],
  });
  const ticket = await oldBot.rest.issues.createComment({
    ...where,
    issue_number: issue.data.number,
    body: encodeTicket({ ticketId: "old-ticket", holder, expiresAt: hoursFromNow(-1) }),
  });
  return ticket.data.id;
}

/** Whether a comment still exists. */
export async function commentExists(
  client: GitHubClient,
  where: { owner: string; repo: string },
  id: number,
): Promise<boolean> {
  return client.rest.issues
    .getComment({ ...where, comment_id: id })
    .then(() => true)
    .catch((error: { status?: number }) => {
      if (error.status === 404) return false;
      throw error;
    });
}
