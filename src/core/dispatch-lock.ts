/**
 * The dispatch lock: one dispatch cycle at a time per repository, so that dispatchers started
 * together never claim more than `max` goals between them. It is kept in repository labels,
 * which create no content (GitHub's 500 content-creating requests an hour are left to goals):
 * the lock is the label `dispatch-lock:<n>` with the highest generation `n`. Its description
 * says who holds it and until when, or that it is free, and the last UTC day the budget
 * notice was given. Creating a label is the one atomic step GitHub offers (a name that exists
 * answers 422), so a dispatcher takes the lock by creating the next generation; edits and
 * deletes are not compare-and-swap, so only the holder edits its own label (renewal, release)
 * and older generations are the only ones ever deleted. Tickets live a minute and their
 * holder renews them, so a holder that died (even by SIGKILL) stops counting within a minute;
 * a holder that could not renew in time must assume it lost the lock.
 */

export const LOCK_LABEL_PREFIX = "dispatch-lock:";
export const LOCK_LABEL_COLOR = "ededed";
/** How long a ticket lives unless renewed: the longest a dead dispatcher blocks the others. */
export const DEFAULT_TICKET_SECONDS = 60;
/** GitHub's limit on a label's description. */
export const MAX_DESCRIPTION_LENGTH = 100;

const GENERATION = /^dispatch-lock:([1-9][0-9]{0,14})$/i;
const DAY = "(\\d{4}-\\d{2}-\\d{2})";
const HELD = new RegExp(
  `^Dispatch lock held by ([0-9a-z]{1,32}) until (\\S+?)(?:; budget told ${DAY})?$`,
);
const FREE = new RegExp(`^Dispatch lock free since (\\S+?)(?:; budget told ${DAY})?$`);

export function lockLabelName(generation: number): string {
  return `${LOCK_LABEL_PREFIX}${generation}`;
}

/** The generation a label name stands for, or null when it is no lock label. */
export function lockGeneration(name: string): number | null {
  const match = GENERATION.exec(name);
  return match?.[1] ? Number(match[1]) : null;
}

/** What a lock label's description says. */
export type LockState =
  | { state: "held"; ticketId: string; expiresAt: string }
  | { state: "free"; since: string };

export interface LockText {
  /** Null when the description is not ours (edited by hand): such a lock counts as free. */
  lock: LockState | null;
  /** The last UTC day (YYYY-MM-DD) a cycle said that the day's budget was reached. */
  budgetTold: string | null;
}

export function describeLock(text: { lock: LockState; budgetTold: string | null }): string {
  const { lock, budgetTold } = text;
  const head =
    lock.state === "held"
      ? `Dispatch lock held by ${lock.ticketId} until ${lock.expiresAt}`
      : `Dispatch lock free since ${lock.since}`;
  return budgetTold ? `${head}; budget told ${budgetTold}` : head;
}

export function readDescription(description: string | null | undefined): LockText {
  const text = description ?? "";
  const held = HELD.exec(text);
  if (held?.[1] && held[2] && !Number.isNaN(Date.parse(held[2]))) {
    return {
      lock: { state: "held", ticketId: held[1], expiresAt: held[2] },
      budgetTold: held[3] ?? null,
    };
  }
  const free = FREE.exec(text);
  if (free?.[1]) return { lock: { state: "free", since: free[1] }, budgetTold: free[2] ?? null };
  return { lock: null, budgetTold: null };
}

/** When a ticket written now expires. */
export function ticketExpiry(now: Date, ticketSeconds: number): string {
  return new Date(now.getTime() + ticketSeconds * 1000).toISOString();
}

/**
 * True when a holder whose last accepted ticket expires at `expiresAt` can no longer be sure
 * that it holds the lock: less than a third of the ticket's life is left (renewals run every
 * third, so two have failed). The margin covers the next renewal's latency and some clock
 * skew; past it, another dispatcher may soon take the lock as expired.
 */
export function ticketInDoubt(expiresAt: string, now: Date, ticketSeconds: number): boolean {
  return now.getTime() >= Date.parse(expiresAt) - (ticketSeconds * 1000) / 3;
}

export interface LockLabel {
  generation: number;
  description: string | null;
}

/** The lock labels among a repository's labels. */
export function lockLabels(
  labels: ReadonlyArray<{ name: string; description?: string | null }>,
): LockLabel[] {
  return labels.flatMap((label) => {
    const generation = lockGeneration(label.name);
    return generation === null ? [] : [{ generation, description: label.description ?? null }];
  });
}

/** The lock labels a read found. */
export interface LockView {
  labels: readonly LockLabel[];
  /**
   * True when the read listed every label of the repository (so no higher generation hides):
   * only such a read may show that we hold the lock. A look at two generations by name is not.
   */
  complete: boolean;
}

export type LockStep =
  /** We hold the top generation until `expiresAt`; `older` are the generations below it. */
  | {
      kind: "hold";
      generation: number;
      expiresAt: string;
      budgetTold: string | null;
      older: number[];
    }
  /** The top is free, expired or none: create this generation (201: maybe ours; 422: not). */
  | { kind: "take"; generation: number; budgetTold: string | null }
  /** Another dispatcher holds the top generation until `expiresAt`. */
  | { kind: "wait"; generation: number; expiresAt: string }
  /** Only a complete read can tell. */
  | { kind: "look" };

/**
 * What a dispatcher with ticket `ticketId` does next, given a read of the lock labels. Labels
 * of ours below the top (`abandoned`: we created them from a stale read, and lost) are
 * deleted; they count for nothing.
 */
export function nextStep(
  view: LockView,
  ticketId: string,
  now: Date,
  ticketSeconds: number,
): LockStep & { abandoned: number[] } {
  const sorted = [...view.labels].sort((a, b) => b.generation - a.generation);
  const top = sorted[0];
  const below = sorted.slice(1);
  const abandoned = below
    .filter((label) => {
      const { lock } = readDescription(label.description);
      return lock?.state === "held" && lock.ticketId === ticketId;
    })
    .map((label) => label.generation);
  if (!top) {
    return view.complete
      ? { kind: "take", generation: 1, budgetTold: null, abandoned }
      : { kind: "look", abandoned };
  }
  const { lock, budgetTold } = readDescription(top.description);
  const take = { kind: "take" as const, generation: top.generation + 1, budgetTold, abandoned };
  if (lock?.state !== "held") return take;
  if (lock.ticketId === ticketId) {
    if (!view.complete) return { kind: "look", abandoned };
    // Ours, but too close to its expiry to be sure of: a fresh generation, as anyone would.
    if (ticketInDoubt(lock.expiresAt, now, ticketSeconds)) return take;
    const older = below.map((label) => label.generation);
    const { expiresAt } = lock;
    return { kind: "hold", generation: top.generation, expiresAt, budgetTold, older, abandoned };
  }
  if (Date.parse(lock.expiresAt) <= now.getTime()) return take;
  return { kind: "wait", generation: top.generation, expiresAt: lock.expiresAt, abandoned };
}
