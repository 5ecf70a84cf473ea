import {
  describeLock,
  type LockView,
  lockLabelName,
  ticketExpiry,
  ticketInDoubt,
} from "../core/dispatch-lock.js";
import { messageOf } from "../core/errors.js";
import type { RepoRef } from "../core/issue-ref.js";
import type { LockLease } from "../core/ports.js";
import type { GitHubClient } from "./client.js";
import type { LockClock } from "./dispatch-lock.js";
import { isStatus } from "./errors.js";

// The holder's side of the dispatch lock (src/github/dispatch-lock.ts): renewing its label
// while the cycle works, and marking it free on release.

export async function freeLabel(
  client: GitHubClient,
  repo: RepoRef,
  generation: number,
  budgetTold: string | null,
  now: Date,
) {
  try {
    await client.rest.issues.updateLabel({
      owner: repo.owner,
      repo: repo.repo,
      name: lockLabelName(generation),
      description: describeLock({ lock: { state: "free", since: now.toISOString() }, budgetTold }),
    });
  } catch (error) {
    // Deleted: a newer generation holds the lock, ours is nothing to free.
    if (!isStatus(error, 404)) throw error;
  }
}

export interface LeaseOptions {
  generation: number;
  ticketId: string;
  /** The expiry our label was created with. */
  expiresAt: string;
  budgetTold: string | null;
  ticketSeconds: number;
  renewMs: number;
  clock: LockClock;
  warn: (message: string) => void;
  /** Looks at a generation and the next (see GitHubDispatchLock.look). */
  look: (generation: number) => Promise<LockView>;
  /** The deletion of older generations, under way; it never rejects. */
  cleanup: Promise<void>;
  /** Told once our generation is marked free. */
  freed: (generation: number, budgetTold: string | null) => void;
}

/**
 * The holder's side: its label, renewed on a timer from the moment it holds the lock until
 * release, so that it lives while its process does and dies soon after.
 */
export class Lease implements LockLease {
  private stopRenewing: (() => void) | null = null;
  private renewing: Promise<void> | null = null;
  /** The expiry of our last description GitHub accepted: what the other dispatchers go by. */
  private confirmedExpiresAt: string;
  private budgetTold: string | null;
  /** Why we may no longer hold the lock; once set, it stays. */
  private doubt: string | null = null;
  private warned = false;

  constructor(
    private readonly client: GitHubClient,
    private readonly repo: RepoRef,
    private readonly options: LeaseOptions,
  ) {
    this.confirmedExpiresAt = options.expiresAt;
    this.budgetTold = options.budgetTold;
  }

  private get name() {
    return lockLabelName(this.options.generation);
  }

  private now() {
    return new Date(this.options.clock.now());
  }

  start(): this {
    this.stopRenewing = this.options.clock.every(this.options.renewMs, () => {
      this.renewing ??= this.renew().finally(() => {
        this.renewing = null;
      });
      return this.renewing;
    });
    return this;
  }

  /** True once the holder can no longer be sure that it holds the lock; it stays true. */
  lost(): boolean {
    const { ticketSeconds, warn } = this.options;
    if (!this.doubt && ticketInDoubt(this.confirmedExpiresAt, this.now(), ticketSeconds)) {
      this.doubt = `its ticket expires at ${this.confirmedExpiresAt} and could not be renewed`;
    }
    if (this.doubt && !this.warned) {
      this.warned = true;
      warn(`This dispatch cycle may have lost the dispatch lock: ${this.doubt}.`);
    }
    return this.doubt !== null;
  }

  /** The holder is alone on its label: a read-modify-write of its description is safe. */
  async firstBudgetNotice(day: string): Promise<boolean> {
    if (this.budgetTold === day) return false;
    this.budgetTold = day;
    try {
      await this.write();
    } catch (error) {
      // Better told twice than never: the notification goes out, the next cycle may repeat it.
      this.options.warn(
        `could not note on the dispatch lock that the budget was reported: ${messageOf(error)}`,
      );
    }
    return true;
  }

  /** Stops renewing (waiting for a renewal under way), then marks our label free. */
  async release(): Promise<void> {
    this.stopRenewing?.();
    this.stopRenewing = null;
    await this.renewing;
    await this.options.cleanup;
    try {
      await freeLabel(this.client, this.repo, this.options.generation, this.budgetTold, this.now());
      this.options.freed(this.options.generation, this.budgetTold);
    } catch (error) {
      // Not worth failing a cycle that did its work: the ticket expires within a minute.
      this.options.warn(`Could not release the dispatch lock (${this.name}): ${messageOf(error)}`);
    }
  }

  /** Writes our description with a fresh expiry; a label gone means another took the lock. */
  private async write() {
    const expiresAt = ticketExpiry(this.now(), this.options.ticketSeconds);
    const { ticketId } = this.options;
    try {
      await this.client.rest.issues.updateLabel({
        owner: this.repo.owner,
        repo: this.repo.repo,
        name: this.name,
        description: describeLock({
          lock: { state: "held", ticketId, expiresAt },
          budgetTold: this.budgetTold,
        }),
      });
    } catch (error) {
      if (isStatus(error, 404)) this.doubt ??= `its label ${this.name} was deleted`;
      throw error;
    }
    this.confirmedExpiresAt = expiresAt;
  }

  /** Pushes the expiry forward, then checks that no newer generation exists; never throws. */
  private async renew() {
    try {
      await this.write();
      const view = await this.options.look(this.options.generation);
      const newer = view.labels.find((label) => label.generation > this.options.generation);
      const ours = view.labels.find((label) => label.generation === this.options.generation);
      if (newer) this.doubt ??= `a newer generation ${lockLabelName(newer.generation)} exists`;
      else if (!ours) this.doubt ??= `its label ${this.name} was deleted`;
    } catch (error) {
      this.options.warn(
        `Could not renew the dispatch lock (${this.name}); trying again in ${Math.round(this.options.renewMs / 1000)} s: ${messageOf(error)}`,
      );
    }
  }
}
