import { GraphqlResponseError } from "@octokit/graphql";
import { UserError } from "../core/errors.js";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import { trustedMarkers } from "../core/markers.js";
import type {
  ApproveOutcome,
  AutoMergeResult,
  BranchPullRequest,
  MergeMethod,
  OpenedPullRequest,
  PullRequestPort,
  PullRequestReviews,
  PullRequestStatusPort,
  RunPullRequestPort,
} from "../core/ports.js";
import { type ReviewRequest, reviewText, reviseText } from "../core/review-rounds.js";
import type { GitHubClient } from "./client.js";
import { explainGitHubError, GITHUB_SAYS, isStatus } from "./errors.js";

export const ENABLE_AUTO_MERGE_MUTATION = `
mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) {
    pullRequest { number autoMergeRequest { enabledAt mergeMethod } }
  }
}`;

const DISABLE_AUTO_MERGE_MUTATION = `
mutation DisableAutoMerge($pullRequestId: ID!) {
  disablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId}) {
    pullRequest { number }
  }
}`;

/**
 * GitHub refuses auto-merge for a PR that could merge right now ("clean status"), for a
 * repository that does not allow auto-merge, and for a base branch without protection.
 * In each case merging directly is what the person asked for.
 */
const MERGE_DIRECTLY = [
  GITHUB_SAYS.cleanStatus,
  GITHUB_SAYS.autoMergeNotAllowed,
  GITHUB_SAYS.noProtectionRules,
];

/** GitHub can merge the pull request right now, so auto-merge has nothing to wait for. */
const CAN_MERGE_NOW = [GITHUB_SAYS.cleanStatus, GITHUB_SAYS.noProtectionRules];

/** Check conclusions that mean the goal's work does not pass. */
const FAILED_CONCLUSIONS = [
  "failure",
  "timed_out",
  "cancelled",
  "action_required",
  "startup_failure",
];
/** Enough of a check's output for the next attempt to see what broke. */
const EXCERPT_CHARS = 2000;

function excerpt(parts: Array<string | null | undefined>): string {
  const text = parts
    .filter((part): part is string => Boolean(part?.trim()))
    .join("\n")
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/** Pull requests of goals: opening, auto-merge, approving (merge or auto-merge) and closing. */
export class GitHubPullRequests
  implements PullRequestPort, PullRequestStatusPort, RunPullRequestPort
{
  constructor(
    private readonly client: GitHubClient,
    readonly repo: RepoRef,
  ) {}

  private get where() {
    return { owner: this.repo.owner, repo: this.repo.repo };
  }

  async get(number: number) {
    try {
      const { data } = await this.client.rest.pulls.get({ ...this.where, pull_number: number });
      return data;
    } catch (error) {
      throw explainGitHubError(
        error,
        `reading pull request #${number} of ${formatRepo(this.repo)}`,
      );
    }
  }

  /** Merges when GitHub can merge now, otherwise enables auto-merge so it merges on green. */
  async approve(number: number, method: MergeMethod): Promise<ApproveOutcome> {
    const pull = await this.get(number);
    if (pull.merged) return "already merged";
    if (pull.state !== "open") {
      throw new UserError(
        `Pull request #${number} is closed without being merged; reopen it first.`,
      );
    }
    try {
      await this.client.graphql(ENABLE_AUTO_MERGE_MUTATION, {
        pullRequestId: pull.node_id,
        mergeMethod: method.toUpperCase(),
      });
      return "auto-merge enabled";
    } catch (error) {
      const message = error instanceof GraphqlResponseError ? error.message : "";
      if (!MERGE_DIRECTLY.some((pattern) => pattern.test(message))) {
        throw explainGitHubError(error, `enabling auto-merge on #${number}`);
      }
    }
    try {
      await this.client.rest.pulls.merge({
        ...this.where,
        pull_number: number,
        merge_method: method,
      });
      return "merged";
    } catch (error) {
      if (isStatus(error, 405, 409)) {
        throw new UserError(
          `Pull request #${number} cannot be merged now (${error.message.split(" - ")[0]}): resolve conflicts or failing checks, then approve again.`,
        );
      }
      throw explainGitHubError(error, `merging pull request #${number}`);
    }
  }

  /** Opens a pull request; when one is already open for the same head and base, returns that. */
  async create(request: {
    head: string;
    base: string;
    title: string;
    body: string;
  }): Promise<OpenedPullRequest> {
    try {
      const { data } = await this.client.rest.pulls.create({ ...this.where, ...request });
      return { number: data.number, url: data.html_url, nodeId: data.node_id, created: true };
    } catch (error) {
      if (isStatus(error, 422) && GITHUB_SAYS.pullRequestExists.test(error.message)) {
        const { data } = await this.client.rest.pulls.list({
          ...this.where,
          head: `${this.repo.owner}:${request.head}`,
          base: request.base,
          state: "open",
        });
        const open = data[0];
        if (open) {
          return { number: open.number, url: open.html_url, nodeId: open.node_id, created: false };
        }
      }
      throw explainGitHubError(
        error,
        `opening a pull request from ${request.head} into ${request.base}`,
      );
    }
  }

  /**
   * Enables auto-merge. Unlike `approve`, a repository that does not allow auto-merge is not
   * merged directly: that is a refusal (a human must look). Only when GitHub says the pull
   * request could merge now (clean status, or a base without protection rules, where auto-merge
   * would merge at once anyway) is it merged directly.
   */
  async enableAutoMerge(pull: OpenedPullRequest, method: MergeMethod): Promise<AutoMergeResult> {
    try {
      await this.client.graphql(ENABLE_AUTO_MERGE_MUTATION, {
        pullRequestId: pull.nodeId,
        mergeMethod: method.toUpperCase(),
      });
      return { kind: "auto-merge" };
    } catch (error) {
      if (!(error instanceof GraphqlResponseError)) {
        throw explainGitHubError(error, `enabling auto-merge on #${pull.number}`);
      }
      if (GITHUB_SAYS.autoMergeNotAllowed.test(error.message)) {
        return {
          kind: "refused",
          reason:
            "the repository does not allow auto-merge (Settings → General → Allow auto-merge)",
        };
      }
      if (!CAN_MERGE_NOW.some((pattern) => pattern.test(error.message))) {
        return { kind: "refused", reason: `GitHub refused auto-merge: ${error.message}` };
      }
    }
    try {
      await this.client.rest.pulls.merge({
        ...this.where,
        pull_number: pull.number,
        merge_method: method,
      });
      return { kind: "merged" };
    } catch (error) {
      if (isStatus(error, 405, 409, 422)) {
        return {
          kind: "refused",
          reason: `GitHub could not merge it directly (${error.message.split(" - ")[0]})`,
        };
      }
      throw explainGitHubError(error, `merging pull request #${pull.number}`);
    }
  }

  async forBranch(branch: string): Promise<BranchPullRequest[]> {
    try {
      // One page is enough: a goal branch has one pull request per attempt that opened one.
      const { data } = await this.client.rest.pulls.list({
        ...this.where,
        head: `${this.repo.owner}:${branch}`,
        state: "all",
        sort: "created",
        direction: "desc",
        per_page: 30,
      });
      return data.map((pull) => ({
        number: pull.number,
        url: pull.html_url,
        state: pull.merged_at ? "merged" : pull.state === "open" ? "open" : "closed",
        autoMerge: pull.state === "open" && pull.auto_merge !== null,
        createdAt: pull.created_at,
        mergedAt: pull.merged_at,
      }));
    } catch (error) {
      throw explainGitHubError(error, `looking up the pull requests of branch ${branch}`);
    }
  }

  async status(number: number) {
    const pull = await this.get(number);
    return {
      open: pull.state === "open",
      merged: Boolean(pull.merged),
      updatedAt: pull.updated_at,
    };
  }

  async health(number: number) {
    const pull = await this.get(number);
    const open = pull.state === "open";
    const updatedAt = pull.updated_at;
    if (!open)
      return { open, merged: Boolean(pull.merged), updatedAt, mergeable: null, failedChecks: [] };
    let runs: Awaited<ReturnType<typeof this.client.rest.checks.listForRef>>["data"]["check_runs"];
    try {
      runs = await this.client.paginate(this.client.rest.checks.listForRef, {
        ...this.where,
        ref: pull.head.sha,
        filter: "latest",
        per_page: 100,
      });
    } catch (error) {
      throw explainGitHubError(error, `reading the checks of pull request #${number}`);
    }
    const failedChecks = runs
      .filter(
        (run) => run.status === "completed" && FAILED_CONCLUSIONS.includes(run.conclusion ?? ""),
      )
      .map((run) => ({
        name: run.name,
        conclusion: run.conclusion ?? "failure",
        excerpt: excerpt([run.output.title, run.output.summary, run.output.text]),
      }));
    return { open, merged: false, updatedAt, mergeable: pull.mergeable, failedChecks };
  }

  async reviewRequests(
    number: number,
    options: { answered: ReadonlySet<string>; trustedAuthors: ReadonlySet<string> },
  ): Promise<PullRequestReviews> {
    try {
      const reviews = await this.client.paginate(this.client.rest.pulls.listReviews, {
        ...this.where,
        pull_number: number,
        per_page: 100,
      });
      const requests: Array<ReviewRequest & { order: number }> = [];
      for (const review of reviews) {
        if (review.state !== "CHANGES_REQUESTED" || !review.submitted_at) continue;
        const id = `review:${review.id}`;
        // Only a request not yet taken in needs its inline comments (one read per 100).
        const inline = options.answered.has(id)
          ? []
          : await this.client.paginate(this.client.rest.pulls.listCommentsForReview, {
              ...this.where,
              pull_number: number,
              review_id: review.id,
              per_page: 100,
            });
        requests.push({
          id,
          author: review.user?.login ?? "ghost",
          submittedAt: review.submitted_at,
          url: review.html_url,
          text: reviewText(
            review.body ?? "",
            inline.map((comment) => ({
              path: comment.path,
              line: comment.line ?? comment.original_line ?? null,
              body: comment.body,
            })),
          ),
          order: Date.parse(review.submitted_at),
        });
      }
      const comments = await this.client.paginate(this.client.rest.issues.listComments, {
        ...this.where,
        issue_number: number,
        per_page: 100,
      });
      for (const comment of comments) {
        const text = reviseText(comment.body ?? "");
        if (text === null) continue;
        requests.push({
          id: `comment:${comment.id}`,
          author: comment.user?.login ?? "ghost",
          submittedAt: comment.created_at,
          url: comment.html_url,
          text,
          order: Date.parse(comment.created_at),
        });
      }
      const replies = trustedMarkers(
        comments.map((comment) => ({
          author: comment.user?.login ?? "",
          body: comment.body ?? "",
          createdAt: comment.created_at,
        })),
        options.trustedAuthors,
      ).filter((marker) => marker.kind === "review-reply");
      requests.sort((a, b) => a.order - b.order);
      return { requests: requests.map(({ order: _, ...request }) => request), replies };
    } catch (error) {
      throw explainGitHubError(error, `reading the review requests on pull request #${number}`);
    }
  }

  async disableAutoMerge(number: number) {
    const pull = await this.get(number);
    if (pull.state !== "open" || pull.auto_merge === null) return;
    try {
      await this.client.graphql(DISABLE_AUTO_MERGE_MUTATION, { pullRequestId: pull.node_id });
    } catch (error) {
      throw explainGitHubError(error, `turning auto-merge off on pull request #${number}`);
    }
  }

  async comment(number: number, body: string) {
    try {
      await this.client.rest.issues.createComment({ ...this.where, issue_number: number, body });
    } catch (error) {
      throw explainGitHubError(error, `commenting on pull request #${number}`);
    }
  }

  async close(number: number, comment: string) {
    await this.comment(number, comment);
    try {
      await this.client.rest.pulls.update({ ...this.where, pull_number: number, state: "closed" });
    } catch (error) {
      throw explainGitHubError(error, `closing pull request #${number}`);
    }
  }
}
