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
} from "../core/dispatch-lock.js";
import { messageOf } from "../core/errors.js";
import type { RepoRef } from "../core/issue-ref.js";
import type { DispatchLockPort, LockLease } from "../core/ports.js";
import { type GitHubClient, MAX_PAGE_SIZE } from "./client.js";
import { freeLabel, Lease } from "./dispatch-lock-lease.js";
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
   * The generation this object last freed, with its budget note: the next acquire creates the
   * one after it before any listing. A stale guess costs what any stale read costs (a 422, or a
   * label below the top that the confirming listing finds abandoned), and saves a listing.
   */
  private lastFreed: { generation: number; budgetTold: string | null } | null = null;

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
    const guess = this.lastFreed;
    this.lastFreed = null;
    try {
      if (guess) {
        created = true;
        await this.create(guess.generation + 1, ticketId, guess.budgetTold);
      }
      let view = await this.readAll();
      for (;;) {
        const step = nextStep(view, ticketId, this.now(), this.ticketSeconds);
        await this.deleteAll(step.abandoned);
        if (step.kind === "look") {
          view = await this.readAll();
        } else if (step.kind === "hold") {
          // Old generations are deleted while the cycle works (the lease waits for it on
          // release): nothing depends on them being gone, and the cycle need not wait.
          const cleanup = this.deleteAll(
            step.older.filter((older) => !step.abandoned.includes(older)),
          );
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
            cleanup,
            freed: (generation, budgetTold) => {
              this.lastFreed = { generation, budgetTold };
            },
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
