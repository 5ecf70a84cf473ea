import { randomUUID } from "node:crypto";
import {
  commentsOfTicket,
  DEFAULT_TICKET_SECONDS,
  findNote,
  LOCK_ISSUE_TITLE,
  LOCK_LABEL,
  noteComment,
  readLock,
  type TicketComment,
  ticketComment,
  ticketExpiry,
  ticketInDoubt,
} from "../core/dispatch-lock.js";
import { messageOf } from "../core/errors.js";
import type { RepoRef } from "../core/issue-ref.js";
import type { DispatchLockPort, LockLease } from "../core/ports.js";
import type { GitHubClient } from "./client.js";
import { createIssueOnce } from "./create-issue.js";
import { explainGitHubError, isStatus } from "./errors.js";

export interface DispatchLockOptions {
  /** How long a ticket lives unless renewed: the longest a dead dispatcher blocks the others. */
  ticketSeconds?: number;
  /** How often a waiter or holder renews its ticket (default: a third of its life). */
  renewMs?: number;
  /** How often a waiting dispatcher looks again. */
  pollMs?: number;
  /** How long dispatchers that lost the election to create the lock issue wait for it. */
  creationWaitMs?: number;
  /** The time every ticket, deadline, wait and renewal goes by (default: real time; tests move it). */
  clock?: LockClock;
  /** Where renewal failures are reported; they never fail the cycle by themselves. */
  warn?: (message: string) => void;
}

const LOCK_ISSUE_BODY = `This issue holds goal-orchestrator's dispatch lock: every dispatch cycle leaves a short-lived
comment here while it runs, so that dispatchers started at the same moment claim goals one after
another and never more than the maximum between them. Keep it open; the comments clean up after
themselves.`;

const LOCK_LABEL_LOOK = {
  color: "ededed",
  description: "goal-orchestrator: the issue that holds the dispatch lock",
};

/**
 * The dispatch lock's only source of time: ticket expiries, the waits for the lock and for its
 * issue, the pauses between looks and the renewal timer all go through it.
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

/** The dispatch lock as comments on one issue labelled `dispatch-lock`. */
export class GitHubDispatchLock implements DispatchLockPort {
  private readonly ticketSeconds: number;
  private readonly renewMs: number;
  private readonly pollMs: number;
  private readonly creationWaitMs: number;
  private readonly clock: LockClock;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly client: GitHubClient,
    private readonly repo: RepoRef,
    private readonly trustedAuthors: ReadonlySet<string>,
    options: DispatchLockOptions = {},
  ) {
    this.ticketSeconds = options.ticketSeconds ?? DEFAULT_TICKET_SECONDS;
    this.renewMs = options.renewMs ?? (this.ticketSeconds * 1000) / 3;
    this.pollMs = options.pollMs ?? 3000;
    this.creationWaitMs = options.creationWaitMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
    this.warn = options.warn ?? ((message) => process.stderr.write(`${message}\n`));
  }

  private get where() {
    return { owner: this.repo.owner, repo: this.repo.repo };
  }

  async acquire(holder: string, waitSeconds: number): Promise<LockLease | null> {
    let ticket: Ticket | null = null;
    try {
      const issue = await this.lockIssue();
      ticket = new Ticket(this.client, this.repo, issue, holder, {
        ticketSeconds: this.ticketSeconds,
        renewMs: this.renewMs,
        clock: this.clock,
        warn: this.warn,
      });
      await ticket.post();
      const deadline = this.clock.now() + waitSeconds * 1000;
      for (;;) {
        const comments = await this.comments(issue);
        const view = readLock(comments, this.trustedAuthors, new Date(this.clock.now()));
        await this.deleteAll(view.expiredCommentIds);
        const live = commentsOfTicket(comments, ticket.ticketId, this.trustedAuthors).filter(
          (id) => !view.expiredCommentIds.includes(id),
        );
        if (view.holder?.ticketId === ticket.ticketId) {
          ticket.hold(live);
          const held = ticket;
          return {
            lost: () => held.lost(),
            firstBudgetNotice: (day) => this.firstBudgetNotice(issue, comments, day),
            release: () => this.release(held),
          };
        }
        if (this.clock.now() >= deadline) {
          await this.release(ticket);
          return null;
        }
        // Renewals failed long enough for our ticket to expire (we just deleted it, or someone
        // else did): take a new one, at the back of the line.
        if (live.length === 0) await ticket.post();
        else ticket.track(live);
        await this.clock.sleep(this.pollMs);
      }
    } catch (error) {
      if (ticket) await this.release(ticket).catch(() => {});
      throw explainGitHubError(error, "taking the dispatch lock");
    }
  }

  /**
   * The lock issue: the oldest open one, else the oldest closed one reopened (racers converge
   * on it), else a new one. Creating it is an election: only the dispatcher whose request
   * creates the `dispatch-lock` label (names are unique, GitHub answers 422 to the others)
   * creates the issue; the others wait for it. When no issue comes (a label without any lock
   * issue: made by hand, or its creator died), they create one each, and every creator that
   * is not the oldest closes its own at once, so one stays open.
   */
  private async lockIssue(): Promise<number> {
    const existing = await this.findLockIssue();
    if (existing !== null) return existing;
    if (!(await this.winCreation())) {
      const until = this.clock.now() + this.creationWaitMs;
      while (this.clock.now() < until) {
        await this.clock.sleep(this.pollMs);
        const found = await this.findLockIssue();
        if (found !== null) return found;
      }
    }
    const created = await createIssueOnce(this.client, this.repo, {
      title: LOCK_ISSUE_TITLE,
      body: LOCK_ISSUE_BODY,
      labels: [LOCK_LABEL],
    });
    const oldest = (await this.oldestLockIssue("open"))?.number ?? created.number;
    if (oldest !== created.number) {
      await this.client.rest.issues.update({
        ...this.where,
        issue_number: created.number,
        state: "closed",
        state_reason: "not_planned",
      });
    }
    return oldest;
  }

  private async findLockIssue(): Promise<number | null> {
    const open = await this.oldestLockIssue("open");
    if (open) return open.number;
    const closed = await this.oldestLockIssue("all");
    if (!closed) return null;
    // Closed by hand, most likely: reopening is idempotent, a replacement would not be.
    await this.client.rest.issues.update({
      ...this.where,
      issue_number: closed.number,
      state: "open",
    });
    return closed.number;
  }

  private async oldestLockIssue(state: "open" | "all") {
    const { data } = await this.client.rest.issues.listForRepo({
      ...this.where,
      labels: LOCK_LABEL,
      state,
      sort: "created",
      direction: "asc",
      per_page: 1,
    });
    return data[0] ?? null;
  }

  /** True when our request created the lock label, which makes us the lock issue's creator. */
  private async winCreation(): Promise<boolean> {
    try {
      await this.client.rest.issues.createLabel({
        ...this.where,
        name: LOCK_LABEL,
        ...LOCK_LABEL_LOOK,
      });
      return true;
    } catch (error) {
      if (isStatus(error, 422)) return false;
      throw error;
    }
  }

  private async comments(issue: number): Promise<TicketComment[]> {
    const comments = await this.client.paginate(this.client.rest.issues.listComments, {
      ...this.where,
      issue_number: issue,
      per_page: 100,
    });
    return comments.map((comment) => ({
      id: comment.id,
      author: comment.user?.login ?? "ghost",
      body: comment.body ?? "",
    }));
  }

  /** The lock issue's note, read with the comments that showed we hold the lock, then set. */
  private async firstBudgetNotice(
    issue: number,
    comments: readonly TicketComment[],
    day: string,
  ): Promise<boolean> {
    const found = findNote(comments, this.trustedAuthors);
    if (found?.note.budgetNotified === day) return false;
    const body = noteComment({ budgetNotified: day });
    try {
      if (found) {
        await this.client.rest.issues.updateComment({ ...this.where, comment_id: found.id, body });
      } else {
        await this.client.rest.issues.createComment({ ...this.where, issue_number: issue, body });
      }
    } catch (error) {
      // Better told twice than never: the notification goes out, the next cycle may repeat it.
      this.warn(
        `could not note on the lock issue that the budget was reported: ${messageOf(error)}`,
      );
    }
    return true;
  }

  /** Stops renewing, then deletes every copy of our ticket. */
  private async release(ticket: Ticket) {
    await ticket.stop();
    const ours = commentsOfTicket(
      await this.comments(ticket.issue),
      ticket.ticketId,
      this.trustedAuthors,
    );
    await this.deleteAll(ours);
  }

  private async deleteAll(commentIds: readonly number[]) {
    for (const id of commentIds) {
      try {
        await this.client.rest.issues.deleteComment({ ...this.where, comment_id: id });
      } catch (error) {
        // Someone else cleaned it up first.
        if (!isStatus(error, 404)) throw error;
      }
    }
  }
}

/**
 * One dispatcher's ticket: its comments on the lock issue, renewed on a timer from the first
 * post until release, so that it lives while its process does and dies soon after.
 */
class Ticket {
  readonly ticketId = randomUUID();
  private commentIds: number[] = [];
  private stopRenewing: (() => void) | null = null;
  private renewing: Promise<void> | null = null;
  /** The expiry of our last ticket text GitHub accepted: what the other dispatchers go by. */
  private confirmedExpiresAt = "";
  private holding = false;
  /** Why we may no longer hold the lock; once set, it stays. */
  private doubt: string | null = null;
  private warned = false;

  constructor(
    private readonly client: GitHubClient,
    private readonly repo: RepoRef,
    readonly issue: number,
    private readonly holder: string,
    private readonly options: {
      ticketSeconds: number;
      renewMs: number;
      clock: LockClock;
      warn: (message: string) => void;
    },
  ) {}

  private now() {
    return new Date(this.options.clock.now());
  }

  private text() {
    const expiresAt = ticketExpiry(this.now(), this.options.ticketSeconds);
    return {
      expiresAt,
      body: ticketComment({ ticketId: this.ticketId, holder: this.holder, expiresAt }),
    };
  }

  /** Posts the ticket (again, when it expired) and keeps it alive from then on. */
  async post() {
    const { expiresAt, body } = this.text();
    const { data } = await this.client.rest.issues.createComment({
      owner: this.repo.owner,
      repo: this.repo.repo,
      issue_number: this.issue,
      body,
    });
    this.commentIds = [data.id];
    this.confirmedExpiresAt = expiresAt;
    this.stopRenewing ??= this.options.clock.every(this.options.renewMs, () => {
      this.renewing ??= this.renew().finally(() => {
        this.renewing = null;
      });
      return this.renewing;
    });
  }

  /** The comments that carry our ticket, as the latest read of the lock issue shows them. */
  track(commentIds: number[]) {
    this.commentIds = commentIds;
  }

  hold(commentIds: number[]) {
    this.track(commentIds);
    this.holding = true;
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

  /** Pushes the expiry of every copy forward; failures are reported, never thrown. */
  private async renew() {
    const { expiresAt, body } = this.text();
    let renewedAll = this.commentIds.length > 0;
    for (const id of [...this.commentIds]) {
      try {
        await this.client.rest.issues.updateComment({
          owner: this.repo.owner,
          repo: this.repo.repo,
          comment_id: id,
          body,
        });
      } catch (error) {
        renewedAll = false;
        if (isStatus(error, 404)) {
          // Deleted: someone took it for expired. A waiter posts a new one at its next look.
          this.commentIds = this.commentIds.filter((other) => other !== id);
          if (this.holding) this.doubt ??= "another dispatcher deleted its ticket as expired";
        } else {
          this.options.warn(
            `Could not renew the dispatch lock ticket (comment ${id} on issue #${this.issue}); trying again in ${Math.round(this.options.renewMs / 1000)} s: ${messageOf(error)}`,
          );
        }
      }
    }
    if (renewedAll) this.confirmedExpiresAt = expiresAt;
  }

  /** Stops renewing; waits for a renewal under way, so nothing is written after release. */
  async stop() {
    this.stopRenewing?.();
    this.stopRenewing = null;
    await this.renewing;
  }
}
