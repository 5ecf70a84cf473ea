import { randomUUID } from "node:crypto";
import {
  decodeTicket,
  encodeTicket,
  LOCK_ISSUE_TITLE,
  LOCK_LABEL,
  readLock,
  type TicketComment,
} from "../core/dispatch-lock.js";
import type { RepoRef } from "../core/issue-ref.js";
import type { DispatchLockPort, LockLease } from "../core/ports.js";
import type { GitHubClient } from "./client.js";
import { createIssueOnce } from "./create-issue.js";
import { explainGitHubError, isStatus } from "./errors.js";

export interface DispatchLockOptions {
  /** How long a ticket lives: longer than a dispatch cycle, so a held lock never expires. */
  ticketSeconds?: number;
  /** How often a waiting dispatcher looks again. */
  pollMs?: number;
  now?: () => Date;
}

const LOCK_ISSUE_BODY = `This issue holds goal-orchestrator's dispatch lock: every dispatch cycle leaves a short-lived
comment here while it runs, so that dispatchers started at the same moment claim goals one after
another and never more than the maximum between them. Keep it open; the comments clean up after
themselves.`;

/** The dispatch lock as comments on one issue labelled `dispatch-lock`. */
export class GitHubDispatchLock implements DispatchLockPort {
  private readonly ticketSeconds: number;
  private readonly pollMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly client: GitHubClient,
    private readonly repo: RepoRef,
    private readonly trustedAuthors: ReadonlySet<string>,
    options: DispatchLockOptions = {},
  ) {
    this.ticketSeconds = options.ticketSeconds ?? 600;
    this.pollMs = options.pollMs ?? 3000;
    this.now = options.now ?? (() => new Date());
  }

  private get where() {
    return { owner: this.repo.owner, repo: this.repo.repo };
  }

  async acquire(holder: string, waitSeconds: number): Promise<LockLease | null> {
    try {
      const issue = await this.lockIssue();
      const ticketId = randomUUID();
      const expiresAt = new Date(this.now().getTime() + this.ticketSeconds * 1000).toISOString();
      await this.client.rest.issues.createComment({
        ...this.where,
        issue_number: issue,
        body: `Dispatch cycle waiting for or holding the lock: ${holder}\n\n${encodeTicket({ ticketId, holder, expiresAt })}`,
      });
      const deadline = Date.now() + waitSeconds * 1000;
      for (;;) {
        const comments = await this.comments(issue);
        const view = readLock(comments, this.trustedAuthors, this.now());
        await this.deleteAll(view.expiredCommentIds);
        const release = () => this.release(issue, ticketId);
        if (view.holder?.ticketId === ticketId) return { release };
        if (Date.now() >= deadline) {
          await release();
          return null;
        }
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      }
    } catch (error) {
      throw explainGitHubError(error, "taking the dispatch lock");
    }
  }

  /** The oldest open lock issue; created when there is none. Racing creators agree on the oldest. */
  private async lockIssue(): Promise<number> {
    const find = async () => {
      const { data } = await this.client.rest.issues.listForRepo({
        ...this.where,
        labels: LOCK_LABEL,
        state: "open",
        sort: "created",
        direction: "asc",
        per_page: 1,
      });
      return data[0]?.number ?? null;
    };
    const existing = await find();
    if (existing !== null) return existing;
    const created = await createIssueOnce(this.client, this.repo, {
      title: LOCK_ISSUE_TITLE,
      body: LOCK_ISSUE_BODY,
      labels: [LOCK_LABEL],
    });
    return (await find()) ?? created.number;
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

  /** Deletes every copy of our ticket (a retried post can leave two). */
  private async release(issue: number, ticketId: string) {
    const ours = (await this.comments(issue))
      .filter((comment) => decodeTicket(comment.body)?.ticketId === ticketId)
      .map((comment) => comment.id);
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
