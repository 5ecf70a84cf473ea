import { randomBytes } from "node:crypto";
import {
  DEFAULT_TICKET_SECONDS,
  describeLock,
  LOCK_LABEL_COLOR,
  type LockView,
  lockLabelName,
  lockLabels,
  nextStep,
  readDescription,
  ticketExpiry,
  ticketInDoubt,
} from "../core/dispatch-lock.js";
import { messageOf } from "../core/errors.js";
import type { RepoRef } from "../core/issue-ref.js";
import type { DispatchLockPort, LockLease } from "../core/ports.js";
import { type GitHubClient, MAX_PAGE_SIZE } from "./client.js";
import { explainGitHubError, isStatus } from "./errors.js";
import { readGraphql, repositoryNotFound } from "./graphql-read.js";

export interface DispatchLockOptions {
  /** How long a ticket lives unless renewed: the longest a dead dispatcher blocks the others. */
  ticketSeconds?: number;
  /** How often the holder renews its ticket (default: a third of its life). */
  renewMs?: number;
  /** How often a waiting dispatcher looks again. */
  pollMs?: number;
  /** The time every ticket, deadline, wait and renewal goes by (default: real time; tests move it). */
  clock?: LockClock;
  /** Where renewal and clean-up failures are reported; they never fail the cycle by themselves. */
  warn?: (message: string) => void;
}

/**
 * The dispatch lock's only source of time: ticket expiries, the wait for the lock, the pauses
 * between looks and the renewal timer all go through it.
 */
export interface LockClock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /**
   * Calls `tick` every `ms` until the returned function is called. It must never keep a process
   * alive. `tick` returns the work it started (a renewal), for clocks that wait for it.
   */
  every(ms: number, tick: () => unknown): () => void;
}

export const systemClock: LockClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    // The ticket must never keep a finished process alive.
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Two generations looked up by name: no connection, so no listing and no extra cost. */
const LOOK_QUERY = `query DispatchLock($owner: String!, $repo: String!, $at: String!, $next: String!) {
  repository(owner: $owner, name: $repo) {
    at: label(name: $at) { name description }
    next: label(name: $next) { name description }
  }
}`;

interface LookAnswer {
  repository: {
    at: { name: string; description: string | null } | null;
    next: { name: string; description: string | null } | null;
  } | null;
}

/**
 * The dispatch lock as generations of the label `dispatch-lock:<n>` (see
 * src/core/dispatch-lock.ts): taking, renewing and releasing it create no content.
 */
export class GitHubDispatchLock implements DispatchLockPort {
  private readonly ticketSeconds: number;
  private readonly renewMs: number;
  private readonly pollMs: number;
  private readonly clock: LockClock;
  private readonly warn: (message: string) => void;

  /**
   * No trusted authors: labels carry none, and only accounts with triage or write access can
   * create or edit them, so the lock trusts whoever GitHub lets do that.
   */
  constructor(
    private readonly client: GitHubClient,
    private readonly repo: RepoRef,
    options: DispatchLockOptions = {},
  ) {
    this.ticketSeconds = options.ticketSeconds ?? DEFAULT_TICKET_SECONDS;
    this.renewMs = options.renewMs ?? (this.ticketSeconds * 1000) / 3;
    this.pollMs = options.pollMs ?? 3000;
    this.clock = options.clock ?? systemClock;
    this.warn = options.warn ?? ((message) => process.stderr.write(`${message}\n`));
  }

  private get where() {
    return { owner: this.repo.owner, repo: this.repo.repo };
  }

  private now() {
    return new Date(this.clock.now());
  }

  async acquire(waitSeconds: number): Promise<LockLease | null> {
    // Short enough for a label's description, long enough never to collide (48 random bits).
    const ticketId = randomBytes(6).toString("hex");
    const deadline = this.clock.now() + waitSeconds * 1000;
    // Whether a label of ours may exist: only then is there anything to clean up.
    let created = false;
    const giveUp = async () => (created ? await this.giveUp(ticketId) : null);
    try {
      let view = await this.readAll();
      for (;;) {
        const step = nextStep(view, ticketId, this.now(), this.ticketSeconds);
        await this.deleteAll(step.abandoned);
        if (step.kind === "look") {
          view = await this.readAll();
        } else if (step.kind === "hold") {
          await this.deleteAll(step.older.filter((older) => !step.abandoned.includes(older)));
          return new Lease(this.client, this.repo, {
            generation: step.generation,
            ticketId,
            expiresAt: step.expiresAt,
            budgetTold: step.budgetTold,
            ticketSeconds: this.ticketSeconds,
            renewMs: this.renewMs,
            clock: this.clock,
            warn: this.warn,
            look: (generation) => this.look(generation),
          }).start();
        } else if (step.kind === "take") {
          created = true;
          if (!(await this.create(step.generation, ticketId, step.budgetTold))) {
            // Someone else created it first (or our own create was retried): only a complete
            // read tells which, after a pause so that losers do not hammer the winner.
            if (this.clock.now() >= deadline) return await giveUp();
            await this.clock.sleep(this.pollMs);
          }
          // Even a 201 is checked: a dispatcher slowed down between its read and its create may
          // have re-created a generation already deleted below a newer one.
          view = await this.readAll();
        } else {
          if (this.clock.now() >= deadline) return await giveUp();
          await this.clock.sleep(this.pollMs);
          view = await this.look(step.generation);
        }
      }
    } catch (error) {
      await giveUp().catch(() => {});
      throw explainGitHubError(error, "taking the dispatch lock");
    }
  }

  /** Every lock label, from a listing of all the repository's labels. */
  private async readAll(): Promise<LockView> {
    const labels = await this.client.paginate(this.client.rest.issues.listLabelsForRepo, {
      ...this.where,
      per_page: MAX_PAGE_SIZE,
    });
    return { labels: lockLabels(labels), complete: true };
  }

  /**
   * The generation we wait on and the one after it, by name. While the first is still held and
   * no second exists, nothing else can have happened; anything else asks for a complete read.
   */
  private async look(generation: number): Promise<LockView> {
    const answer = await readGraphql<LookAnswer>(
      this.client,
      LOOK_QUERY,
      {
        ...this.where,
        at: lockLabelName(generation),
        next: lockLabelName(generation + 1),
      },
      "looking at the dispatch lock",
    );
    if (!answer.repository) throw repositoryNotFound(this.repo);
    const { at, next } = answer.repository;
    if (!at || next) return this.readAll();
    return { labels: lockLabels([at]), complete: false };
  }

  /** True when our request created the label (201); false when it already existed (422). */
  private async create(generation: number, ticketId: string, budgetTold: string | null) {
    const expiresAt = ticketExpiry(this.now(), this.ticketSeconds);
    try {
      await this.client.rest.issues.createLabel({
        ...this.where,
        name: lockLabelName(generation),
        color: LOCK_LABEL_COLOR,
        description: describeLock({
          lock: { state: "held", ticketId, expiresAt },
          budgetTold,
        }),
      });
      return true;
    } catch (error) {
      if (isStatus(error, 422)) return false;
      throw error;
    }
  }

  /**
   * Leaves no label of ours behind: one below the top is deleted, a top one (a create whose
   * answer we never saw, then a failure) is marked free, never deleted.
   */
  private async giveUp(ticketId: string): Promise<null> {
    const { labels } = await this.readAll();
    const top = Math.max(0, ...labels.map((label) => label.generation));
    for (const label of labels) {
      const { lock, budgetTold } = readDescription(label.description);
      if (lock?.state !== "held" || lock.ticketId !== ticketId) continue;
      if (label.generation < top) await this.deleteAll([label.generation]);
      else await freeLabel(this.client, this.repo, label.generation, budgetTold, this.now());
    }
    return null;
  }

  /** Deletes generations below the top; best effort, as the next holder tries again. */
  private async deleteAll(generations: readonly number[]) {
    for (const generation of generations) {
      try {
        await this.client.rest.issues.deleteLabel({
          ...this.where,
          name: lockLabelName(generation),
        });
      } catch (error) {
        // 404: someone else cleaned it up first.
        if (!isStatus(error, 404)) {
          this.warn(
            `Could not delete the old dispatch lock label ${lockLabelName(generation)}: ${messageOf(error)}`,
          );
        }
      }
    }
  }
}

async function freeLabel(
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

interface LeaseOptions {
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
}

/**
 * The holder's side: its label, renewed on a timer from the moment it holds the lock until
 * release, so that it lives while its process does and dies soon after.
 */
class Lease implements LockLease {
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
    try {
      await freeLabel(this.client, this.repo, this.options.generation, this.budgetTold, this.now());
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
