import { fitBody } from "../core/github-limits.js";
import { formatRepo, type IssueRef, type RepoRef } from "../core/issue-ref.js";
import { type Marker, trustedMarkers } from "../core/markers.js";
import type {
  DependencyInfo,
  ExistingLabel,
  GoalSnapshot,
  GoalStore,
  NewGoal,
  RunStart,
  StorySummary,
  TransitionRequest,
} from "../core/ports.js";
import {
  GOAL_STATES,
  type GoalState,
  type LabelSpec,
  SPOT_CHECK_FLAG_LABEL,
  stateLabel,
} from "../core/states.js";
import type { TextHistory } from "../core/vouching.js";
import { addComments } from "./add-comments.js";
import { type GitHubClient, MAX_PAGE_SIZE } from "./client.js";
import { createIssueOnce } from "./create-issue.js";
import { readCycleOverview } from "./cycle-overview.js";
import { readDependencyInfo } from "./dependency-reads.js";
import { explainGitHubError, isStatus, NotFoundError } from "./errors.js";
import { goalSnapshot, restComment } from "./goal-snapshots.js";
import { postComment, transitionGoal } from "./goal-transition.js";
import { readGraphql, repositoryNotFound } from "./graphql-read.js";
import { linkNewGoal, readBlockedBy, readStories } from "./issue-links.js";
import { ensureLabels } from "./labels.js";
import { markedComment } from "./marked-comment.js";
import {
  GOAL_ACTIVITY_PAGE_QUERY,
  GOAL_COUNT_QUERY,
  GOAL_PAGE_QUERY,
  GOAL_QUERY,
  type GoalCountResult,
  type GoalPageResult,
  type GoalResult,
  type GraphQLGoal,
  goalsQuery,
  VIEWER_QUERY,
} from "./queries.js";
import { startRuns } from "./run-starts.js";
import { readTextHistories } from "./text-histories.js";

/** GitHub Actions' built-in token posts as this account. */
const ACTIONS_BOT_LOGIN = "github-actions[bot]";

export interface GitHubGoalStoreOptions {
  client: GitHubClient;
  repo: RepoRef;
  /** Logins whose markers count, besides the token's own account and github-actions[bot]. */
  markerAuthors?: readonly string[];
  /** Goals per GraphQL page (1–100). */
  pageSize?: number;
  /** Wait unit between create attempts, in ms (tests shrink it). */
  paceMs?: number;
}

/**
 * The goal store on GitHub: issues, labels and marker comments. Issue links (issue-links.ts),
 * dependency states (dependency-reads.ts) and text histories (text-histories.ts) are read and
 * written in modules of their own; this class answers the GoalStore port with them.
 */
export class GitHubGoalStore implements GoalStore {
  readonly repo: RepoRef;
  readonly viewer: string;
  private readonly client: GitHubClient;
  /** Lower-case logins whose markers count. */
  readonly trustedAuthors: ReadonlySet<string>;
  private readonly pageSize: number;
  /** Label node ids by lower-case name, as the latest overview read them. */
  private readonly labelIds = new Map<string, string>();
  private readonly paceMs: number | undefined;

  private constructor(options: GitHubGoalStoreOptions, viewer: string) {
    this.client = options.client;
    this.viewer = viewer;
    this.repo = options.repo;
    this.paceMs = options.paceMs;
    this.pageSize = Math.min(Math.max(options.pageSize ?? MAX_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    this.trustedAuthors = new Set(
      [viewer, ACTIONS_BOT_LOGIN, ...(options.markerAuthors ?? [])].map((login) =>
        login.toLowerCase(),
      ),
    );
  }

  /** Connects as the token's account, whose markers are the ones that count. */
  static async connect(options: GitHubGoalStoreOptions): Promise<GitHubGoalStore> {
    let viewer: string;
    try {
      const result = await options.client.graphql<{ viewer: { login: string } }>(VIEWER_QUERY);
      viewer = result.viewer.login;
    } catch (error) {
      throw explainGitHubError(error, "identifying the token's account");
    }
    return new GitHubGoalStore(options, viewer);
  }

  private get where() {
    return { owner: this.repo.owner, repo: this.repo.repo };
  }

  ensureLabels(labels: readonly LabelSpec[], existing?: ReadonlyArray<Omit<ExistingLabel, "id">>) {
    return ensureLabels(this.client, this.repo, labels, existing);
  }

  async overview(since: Date, labels: readonly LabelSpec[]) {
    const overview = await readCycleOverview(this.client, this.repo, since, labels);
    // Kept for startRuns, which sets labels by id: claims then need no read of them.
    for (const label of overview.labels) this.labelIds.set(label.name.toLowerCase(), label.id);
    return overview;
  }

  async *listGoals(state: GoalState): AsyncIterable<GoalSnapshot> {
    // GitHub closes a goal whose pull request merges ("Closes #N"), whatever its label: one
    // closed while goal:running (its runner died before recording) or goal:spot-check (a person
    // merged it on GitHub) must still be reconciled, or its label would never end right.
    const closedToo = state === "running" || state === "spot-check";
    const goals = this.goalPages(
      GOAL_PAGE_QUERY,
      { labels: [stateLabel(state)], states: closedToo ? ["OPEN", "CLOSED"] : ["OPEN"] },
      `listing ${stateLabel(state)} goals`,
    );
    for await (const goal of goals) {
      if (goal.open || goal.stateReason?.toUpperCase() === "COMPLETED") yield goal;
    }
  }

  listGoalActivity(since: Date | null): AsyncIterable<GoalSnapshot> {
    return this.goalPages(
      GOAL_ACTIVITY_PAGE_QUERY,
      { labels: GOAL_STATES.map(stateLabel), since: since?.toISOString() ?? null },
      since ? `listing goals changed since ${since.toISOString()}` : "listing all goals",
    );
  }

  async runResultsSince(since: Date) {
    const comments = await this.client
      .paginate(this.client.rest.issues.listCommentsForRepo, {
        ...this.where,
        since: since.toISOString(),
        per_page: MAX_PAGE_SIZE,
      })
      .catch((error) => {
        throw explainGitHubError(
          error,
          `listing the comments written since ${since.toISOString()}`,
        );
      });
    return comments.flatMap((comment) => {
      const issue = Number(/\/issues\/(\d+)$/.exec(comment.issue_url)?.[1]);
      const markers = trustedMarkers([restComment(comment)], this.trustedAuthors);
      return markers.flatMap((marker) =>
        marker.kind === "run-result" && Number.isSafeInteger(issue) ? [{ ...marker, issue }] : [],
      );
    });
  }

  /** Goal pages of a query, fetched lazily: reading stops fetching. */
  private async *goalPages(
    query: string,
    variables: Record<string, unknown>,
    doing: string,
  ): AsyncIterable<GoalSnapshot> {
    let after: string | null = null;
    do {
      const result: GoalPageResult = await this.graphql<GoalPageResult>(
        query,
        {
          owner: this.repo.owner,
          name: this.repo.repo,
          ...variables,
          after,
          pageSize: this.pageSize,
          commentWindow: MAX_PAGE_SIZE,
        },
        doing,
      );
      const issues = result.repository?.issues;
      if (!issues) throw this.repositoryNotFound();
      for (const node of issues.nodes) yield await this.snapshot(node);
      after = issues.pageInfo.hasNextPage ? issues.pageInfo.endCursor : null;
    } while (after);
  }

  async getGoal(number: number): Promise<GoalSnapshot> {
    const result = await this.graphql<GoalResult>(
      GOAL_QUERY,
      { owner: this.repo.owner, name: this.repo.repo, number, commentWindow: MAX_PAGE_SIZE },
      `reading goal #${number}`,
    );
    if (!result.repository) throw this.repositoryNotFound();
    if (!result.repository.issue) {
      throw new NotFoundError(`Issue #${number} does not exist in ${formatRepo(this.repo)}.`);
    }
    return this.snapshot(result.repository.issue, true);
  }

  transition(number: number, request: TransitionRequest) {
    return transitionGoal(this.client, this.repo, this.viewer, number, request);
  }

  async recordMarker(number: number, text: string, marker: Marker) {
    const body = markedComment(text, [marker]);
    const { id, nodeId } = await postComment(this.client, this.repo, number, body);
    return { commentId: id, nodeId, body };
  }

  recordMarkers(entries: ReadonlyArray<{ goal: GoalSnapshot; text: string; marker: Marker }>) {
    return addComments(
      this.client,
      entries.map(({ goal, text, marker }) => ({
        subjectId: goal.nodeId,
        body: markedComment(text, [marker]),
      })),
      `commenting on ${entries.map(({ goal }) => `#${goal.ref.number}`).join(", ")}`,
    );
  }

  async getGoals(numbers: readonly number[]): Promise<Map<number, GoalSnapshot>> {
    const goals = new Map<number, GoalSnapshot>();
    if (numbers.length === 0) return goals;
    const result = await this.graphql<{ repository: Record<string, GraphQLGoal | null> | null }>(
      goalsQuery(numbers),
      { owner: this.repo.owner, name: this.repo.repo, commentWindow: MAX_PAGE_SIZE },
      `reading goals ${numbers.map((number) => `#${number}`).join(", ")}`,
    );
    if (!result.repository) throw this.repositoryNotFound();
    for (const node of Object.values(result.repository))
      if (node) goals.set(node.number, await this.snapshot(node));
    return goals;
  }

  startRuns(starts: readonly RunStart[]) {
    return startRuns(this.client, this.repo, starts, this.labelIds);
  }

  async deleteComment(commentId: number) {
    try {
      await this.client.rest.issues.deleteComment({ ...this.where, comment_id: commentId });
    } catch (error) {
      if (!isStatus(error, 404)) throw explainGitHubError(error, `deleting comment ${commentId}`);
    }
  }

  async countGoals(state: GoalState) {
    const result = await this.graphql<GoalCountResult>(
      GOAL_COUNT_QUERY,
      { owner: this.repo.owner, name: this.repo.repo, labels: [stateLabel(state)] },
      `counting ${stateLabel(state)} goals`,
    );
    if (!result.repository) throw this.repositoryNotFound();
    return result.repository.issues.totalCount;
  }

  blockedBy(number: number): Promise<IssueRef[]> {
    return readBlockedBy(this.client, { ...this.repo, number });
  }

  openStories(numbers: readonly number[]): Promise<StorySummary[]> {
    return readStories(this.client, this.repo, numbers);
  }

  async closeIssue(number: number, comment: string) {
    await postComment(this.client, this.repo, number, fitBody(comment));
    try {
      await this.client.rest.issues.update({
        ...this.where,
        issue_number: number,
        state: "closed",
        state_reason: "completed",
      });
    } catch (error) {
      throw explainGitHubError(error, `closing #${number}`);
    }
  }

  async createGoal(goal: NewGoal) {
    const labels = [stateLabel(goal.state), ...(goal.spotCheck ? [SPOT_CHECK_FLAG_LABEL] : [])];
    const issue = await createIssueOnce(
      this.client,
      this.repo,
      {
        title: goal.title,
        body: goal.body,
        labels,
      },
      { paceMs: this.paceMs },
    ).catch((error) => {
      throw explainGitHubError(error, `creating the goal issue in ${formatRepo(this.repo)}`);
    });
    // A link that fails is a warning, not a failure: the body's Story:/Depends: lines hold it.
    const linked = await this.dependencyInfo([
      ...(goal.story ? [goal.story] : []),
      ...goal.depends,
    ]);
    const warnings = await linkNewGoal(this.client, this.repo, issue, goal, linked);
    return { number: issue.number, url: issue.html_url, warnings };
  }

  dependencyInfo(refs: readonly IssueRef[]): Promise<DependencyInfo[]> {
    return readDependencyInfo(this.client, refs);
  }

  textHistories(numbers: readonly number[]): Promise<TextHistory[]> {
    return readTextHistories(this.client, this.repo, numbers);
  }

  async hasWriteAccess(login: string): Promise<boolean> {
    try {
      const { data } = await this.client.rest.repos.getCollaboratorPermissionLevel({
        ...this.where,
        username: login,
      });
      return data.permission === "admin" || data.permission === "write";
    } catch (error) {
      // GitHub answers 404 for people who are not collaborators at all.
      if (isStatus(error, 404)) return false;
      throw explainGitHubError(error, `checking ${login}'s permission on ${formatRepo(this.repo)}`);
    }
  }

  private graphql<T>(query: string, variables: Record<string, unknown>, doing: string) {
    return readGraphql<T>(this.client, query, variables, doing);
  }

  private repositoryNotFound() {
    return repositoryNotFound(this.repo);
  }

  private snapshot(node: GraphQLGoal, withClaimComments = false): Promise<GoalSnapshot> {
    return goalSnapshot(this.client, this.repo, node, this.trustedAuthors, withClaimComments);
  }
}
