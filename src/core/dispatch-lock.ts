/**
 * The dispatch lock: one dispatch cycle at a time per repository, so that dispatchers started
 * together never claim more than `max` goals between them. It is a ticket lock kept in the
 * comments of one issue: each dispatcher posts a ticket, and the oldest live ticket holds the
 * lock. Releasing deletes the ticket. Tickets live a minute and their owners renew them while
 * they wait or hold, so a ticket whose owner died (even by SIGKILL) stops counting within a
 * minute; a holder that could not renew its ticket in time must assume it lost the lock.
 */

export const LOCK_LABEL = "dispatch-lock";
export const LOCK_ISSUE_TITLE = "goal-orchestrator dispatch lock";
const TICKET = /^<!-- goal-orchestrator:lock (\{.*\}) -->$/m;
const NOTE = /^<!-- goal-orchestrator:lock-note (\{.*\}) -->$/m;
/** How long a ticket lives unless renewed: the longest a dead dispatcher blocks the others. */
export const DEFAULT_TICKET_SECONDS = 60;

export interface LockTicket {
  ticketId: string;
  /** Who waits or holds: a workflow run URL, or host and pid. */
  holder: string;
  expiresAt: string;
}

export interface TicketComment {
  id: number;
  author: string;
  body: string;
}

/**
 * What dispatch cycles remember between them, in one comment on the lock issue edited in place:
 * the last UTC day they told people that the day's budget was reached.
 */
export interface LockNote {
  budgetNotified: string;
}

export function noteComment(note: LockNote): string {
  return `The dispatcher last said that the day's budget was reached on ${note.budgetNotified} (UTC); it says so once a day.\n\n<!-- goal-orchestrator:lock-note ${commentSafeJson(note)} -->`;
}

/** The trusted note comment, if there is one (the oldest, should a retried post leave two). */
export function findNote(
  comments: readonly TicketComment[],
  trustedAuthors: ReadonlySet<string>,
): { id: number; note: LockNote } | null {
  for (const comment of comments) {
    if (!trustedAuthors.has(comment.author.toLowerCase())) continue;
    const match = NOTE.exec(comment.body);
    if (!match?.[1]) continue;
    try {
      const value = JSON.parse(match[1]) as Partial<LockNote>;
      if (typeof value.budgetNotified === "string")
        return { id: comment.id, note: { budgetNotified: value.budgetNotified } };
    } catch {}
  }
  return null;
}

function commentSafeJson(value: object): string {
  return JSON.stringify(value)
    .replace(/-/g, "\\u002d")
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e");
}

export function encodeTicket(ticket: LockTicket): string {
  return `<!-- goal-orchestrator:lock ${commentSafeJson(ticket)} -->`;
}

/** The whole comment: a line for people reading the lock issue, then the ticket. */
export function ticketComment(ticket: LockTicket): string {
  return `Dispatch cycle waiting for or holding the lock: ${ticket.holder}\n\n${encodeTicket(ticket)}`;
}

/** When a ticket written now expires. */
export function ticketExpiry(now: Date, ticketSeconds: number): string {
  return new Date(now.getTime() + ticketSeconds * 1000).toISOString();
}

/**
 * True when a holder whose last accepted ticket expires at `expiresAt` can no longer be sure
 * that it holds the lock: less than a third of the ticket's life is left (renewals run every
 * third, so two have failed). The margin covers the next renewal's latency and some clock
 * skew; past it, another dispatcher may soon delete the ticket as expired and take the lock.
 */
export function ticketInDoubt(expiresAt: string, now: Date, ticketSeconds: number): boolean {
  return now.getTime() >= Date.parse(expiresAt) - (ticketSeconds * 1000) / 3;
}

/** The trusted comments carrying one ticket (a retried post can leave two), oldest first. */
export function commentsOfTicket(
  comments: readonly TicketComment[],
  ticketId: string,
  trustedAuthors: ReadonlySet<string>,
): number[] {
  return comments
    .filter(
      (comment) =>
        trustedAuthors.has(comment.author.toLowerCase()) &&
        decodeTicket(comment.body)?.ticketId === ticketId,
    )
    .map((comment) => comment.id);
}

export function decodeTicket(body: string): LockTicket | null {
  const match = TICKET.exec(body);
  if (!match?.[1]) return null;
  try {
    const value = JSON.parse(match[1]) as Partial<LockTicket>;
    if (typeof value.ticketId !== "string" || typeof value.holder !== "string") return null;
    if (typeof value.expiresAt !== "string" || Number.isNaN(Date.parse(value.expiresAt)))
      return null;
    return { ticketId: value.ticketId, holder: value.holder, expiresAt: value.expiresAt };
  } catch {
    return null;
  }
}

export interface LockView {
  /** The live ticket that holds the lock, or null when the lock is free. */
  holder: (LockTicket & { commentId: number }) | null;
  /** Comments of tickets that have expired: anyone may delete them. */
  expiredCommentIds: number[];
}

/** Reads the lock from the lock issue's comments, oldest first, counting trusted authors only. */
export function readLock(
  comments: readonly TicketComment[],
  trustedAuthors: ReadonlySet<string>,
  now: Date,
): LockView {
  let holder: LockView["holder"] = null;
  const expiredCommentIds: number[] = [];
  for (const comment of comments) {
    if (!trustedAuthors.has(comment.author.toLowerCase())) continue;
    const ticket = decodeTicket(comment.body);
    if (!ticket) continue;
    if (Date.parse(ticket.expiresAt) <= now.getTime()) expiredCommentIds.push(comment.id);
    else if (!holder) holder = { ...ticket, commentId: comment.id };
  }
  return { holder, expiredCommentIds };
}
