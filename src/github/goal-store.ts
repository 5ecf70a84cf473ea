import { GraphqlResponseError } from "@octokit/graphql";
import { messageOf } from "../core/errors.js";
import { cutNote, fitBody, GITHUB_LIMITS } from "../core/github-limits.js";
import { parseVisibleGoalBody } from "../core/goal-body.js";
import {
  formatIssueRef,
  formatRepo,
  type IssueRef,
  issueKey,
  parseRepo,
  type RepoRef,
  sameIssue,
  sameRepo,
} from "../core/issue-ref.js";
import { encodeMarker, type Marker, trustedMarkers } from "../core/markers.js";
import type {
  DependencyInfo,
  GoalSnapshot,
  GoalStore,
  NewGoal,
  StorySummary,
  TransitionRequest,
} from "../core/ports.js";
import {
  assertTransition,
  GOAL_STATES,
  type GoalState,
  type LabelSpec,
  SPOT_CHECK_FLAG_LABEL,
  stateFromLabels,
  stateLabel,
  withState,
} from "../core/states.js";
import type { TextHistory } from "../core/vouching.js";
import type { GitHubClient } from "./client.js";
import { createIssueOnce } from "./create-issue.js";
import { ConflictError, explainGitHubError, isStatus, NotFoundError } from "./errors.js";
import {
  type DependencyIssue,
  dependencyQuery,
  GOAL_ACTIVITY_PAGE_QUERY,
  GOAL_COUNT_QUERY,
  GOAL_PAGE_QUERY,
  GOAL_QUERY,
  type GoalCountResult,
  type GoalPageResult,
  type GoalResult,
  type GraphQLActor,
  type GraphQLGoal,
  STORY_PAGE_QUERY,
  type StoryPageResult,
  type TextHistoryIssue,
  textHistoryQuery,
  VIEWER_QUERY,
} from "./queries.js";

/** GitHub Actions' built-in token posts as this account. */
const ACTIONS_BOT_LOGIN = "github-actions[bot]";

/** Largest page GitHub serves, for both REST and GraphQL connections. */
const MAX_PAGE_SIZE = 100;
/** Issues asked for in one dependency query: keeps GraphQL's node cost small. */
const DEPENDENCY_BATCH = 50;
/** Issues asked for in one text-history query (each reads up to 50 timeline events). */
const HISTORY_BATCH = 20;

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

/** GraphQL calls bots `name`; REST calls them `name[bot]`. Markers compare the REST form. */
function actorLogin(actor: GraphQLActor | null): string {
  if (!actor) return "ghost";
  return actor.__typename === "Bot" && !actor.login.endsWith("[bot]")
    ? `${actor.login}[bot]`
    : actor.login;
}

/** The goal store on GitHub: issues, labels and marker comments. */
export class GitHubGoalStore implements GoalStore {
  readonly repo: RepoRef;
  readonly viewer: string;
  private readonly client: GitHubClient;
  /** Lower-case logins whose markers count. */
  readonly trustedAuthors: ReadonlySet<string>;
  private readonly pageSize: number;
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

  async ensureLabels(labels: readonly LabelSpec[]) {
    const existing = await this.client
      .paginate(this.client.rest.issues.listLabelsForRepo, {
        ...this.where,
        per_page: MAX_PAGE_SIZE,
      })
      .catch((error) => {
        throw explainGitHubError(error, `listing the labels of ${formatRepo(this.repo)}`);
      });
    const byName = new Map(existing.map((label) => [label.name.toLowerCase(), label]));
    const created: string[] = [];
    const updated: string[] = [];
    for (const spec of labels) {
      const found = byName.get(spec.name.toLowerCase());
      if (!found) {
        try {
          await this.client.rest.issues.createLabel({ ...this.where, ...spec });
          created.push(spec.name);
        } catch (error) {
          // Another process created it between our list and our create: that is fine.
          if (!isStatus(error, 422)) throw explainGitHubError(error, `creating label ${spec.name}`);
        }
      } else if (found.color.toLowerCase() !== spec.color.toLowerCase() || !found.description) {
        // Keep a description a human wrote; fill in ours where there is none.
        await this.client.rest.issues.updateLabel({
          ...this.where,
          name: found.name,
          color: spec.color,
          description: found.description || spec.description,
        });
        updated.push(spec.name);
      }
    }
    return { created, updated };
  }

  listGoals(state: GoalState): AsyncIterable<GoalSnapshot> {
    return this.goalPages(
      GOAL_PAGE_QUERY,
      { labels: [stateLabel(state)] },
      `listing ${stateLabel(state)} goals`,
    );
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
      const markers = trustedMarkers(
        [
          {
            author: comment.user?.login ?? "ghost",
            body: comment.body ?? "",
            createdAt: comment.created_at,
          },
        ],
        this.trustedAuthors,
      );
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
    return this.snapshot(result.repository.issue);
  }

  async transition(number: number, request: TransitionRequest) {
    const doing = `moving #${number} to ${stateLabel(request.to)}`;
    const issue = await this.client.rest.issues
      .get({ ...this.where, issue_number: number })
      .then((response) => response.data)
      .catch((error) => {
        throw explainGitHubError(error, doing);
      });
    if (issue.pull_request) {
      throw new NotFoundError(
        `#${number} in ${formatRepo(this.repo)} is a pull request, not a goal.`,
      );
    }
    const labels = issue.labels.map((label) =>
      typeof label === "string" ? label : (label.name ?? ""),
    );
    const current = stateFromLabels(labels);
    if (request.expectedFrom !== undefined && current.state !== request.expectedFrom) {
      throw new ConflictError(
        `Goal #${number} is ${current.state ? stateLabel(current.state) : "without a state label"}, not ${
          request.expectedFrom ? stateLabel(request.expectedFrom) : "without a state label"
        }; someone changed it first. Nothing was done.`,
      );
    }
    const changes = current.state !== request.to || current.conflicting.length > 0;
    if (changes) assertTransition(current.state, request.to);
    const setLabel = async () => {
      if (!changes) return;
      // One request replaces the whole label set, so no moment shows two state labels.
      await this.client.rest.issues
        .setLabels({ ...this.where, issue_number: number, labels: withState(labels, request.to) })
        .catch((error) => {
          throw explainGitHubError(error, doing);
        });
    };
    const markers: Marker[] = [];
    if (changes)
      markers.push({
        kind: "transition",
        from: current.state,
        to: request.to,
        reason: request.reason,
      });
    if (request.marker) markers.push(request.marker);
    const headline = changes
      ? `**${current.state ?? "no state"} → ${request.to}**: ${request.reason}`
      : request.reason;
    const writeMarkers = async () => {
      if (markers.length > 0) await this.comment(number, markedComment(headline, markers));
    };
    // A result and its move are written before the label, so a crash between the two leaves a
    // record the reconciler completes (core/attempts.ts recordedMove), never a label without
    // its reason. A claim's move to running goes label first: until the label is there, the
    // claim has not become a run and the next cycle withdraws it (core/attempts.ts unrunClaims).
    if (request.to === "running") {
      await setLabel();
      await writeMarkers();
    } else {
      await writeMarkers();
      await setLabel();
    }
    return { from: current.state };
  }

  async recordMarker(number: number, text: string, marker: Marker) {
    const commentId = await this.comment(number, markedComment(text, [marker]));
    return { commentId };
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

  async blockedBy(number: number): Promise<IssueRef[]> {
    try {
      const blockers = await this.blockers(number);
      return blockers.map((issue) => ({
        ...repoFromApiUrl(issue.repository_url),
        number: issue.number,
      }));
    } catch (error) {
      throw explainGitHubError(error, `reading what blocks #${number}`);
    }
  }

  async openStories(): Promise<StorySummary[]> {
    const stories: StorySummary[] = [];
    let after: string | null = null;
    do {
      const result: StoryPageResult = await this.graphql<StoryPageResult>(
        STORY_PAGE_QUERY,
        { owner: this.repo.owner, name: this.repo.repo, after },
        "listing open stories",
      );
      const issues = result.repository?.issues;
      if (!issues) throw this.repositoryNotFound();
      for (const story of issues.nodes) {
        // A story with more sub-issues than one page shows is never judged complete.
        if (story.subIssues.totalCount > story.subIssues.nodes.length) continue;
        stories.push({
          number: story.number,
          title: story.title,
          goals: story.subIssues.nodes.map((goal) => ({
            ref: { ...parseRepo(goal.repository.nameWithOwner), number: goal.number },
            open: goal.state === "OPEN",
            stateReason: goal.stateReason,
            labels: goal.labels.nodes.map((label) => label.name),
          })),
        });
      }
      after = issues.pageInfo.hasNextPage ? issues.pageInfo.endCursor : null;
    } while (after);
    return stories;
  }

  async closeIssue(number: number, comment: string) {
    await this.comment(number, fitBody(comment));
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
    // The Story:/Depends: lines in the body are the source of truth; GitHub's native links
    // make the same facts visible in its UI. A failure there is reported, not fatal.
    const warnings: string[] = [];
    const linked = await this.dependencyInfo([
      ...(goal.story ? [goal.story] : []),
      ...goal.depends,
    ]);
    const idOf = (ref: IssueRef) => linked.find((info) => sameIssue(info.ref, ref))?.id ?? null;
    if (goal.story) {
      try {
        await this.addSubIssue(goal.story, issue.id);
      } catch (error) {
        warnings.push(
          `Could not link #${issue.number} as a sub-issue of ${formatIssueRef(goal.story, this.repo)}: ${messageOf(error)}`,
        );
      }
    }
    for (const dependency of goal.depends) {
      const dependencyId = idOf(dependency);
      if (dependencyId === null) continue;
      try {
        await this.addBlockedBy(issue.number, dependencyId);
      } catch (error) {
        warnings.push(
          `Could not record #${issue.number} as blocked by ${formatIssueRef(dependency, this.repo)}: ${messageOf(error)}`,
        );
      }
    }
    return { number: issue.number, url: issue.html_url, warnings };
  }

  async dependencyInfo(refs: readonly IssueRef[]): Promise<DependencyInfo[]> {
    const found = new Map<string, DependencyIssue | null>();
    for (let start = 0; start < refs.length; start += DEPENDENCY_BATCH) {
      const batch = refs.slice(start, start + DEPENDENCY_BATCH);
      const groups = groupByRepo(batch);
      const { query, variables } = dependencyQuery(groups);
      let data: Record<string, Record<string, DependencyIssue | null> | null>;
      try {
        data = await this.client.graphql(query, variables);
      } catch (error) {
        // Missing issues and repositories come back as NOT_FOUND errors beside partial data.
        if (error instanceof GraphqlResponseError && onlyNotFound(error)) {
          data = (error.data ?? {}) as typeof data;
        } else {
          throw explainGitHubError(error, "reading the state of dependencies");
        }
      }
      groups.forEach((group, r) => {
        group.numbers.forEach((number, i) => {
          const issue = data[`r${r}`]?.[`i${i}`] ?? null;
          found.set(issueKey({ owner: group.owner, repo: group.repo, number }), issue);
        });
      });
    }
    return refs.map((ref) => {
      const issue = found.get(issueKey(ref)) ?? null;
      if (!issue) {
        return {
          ref,
          exists: false,
          id: null,
          open: false,
          stateReason: null,
          labels: [],
          dependsOn: [],
        };
      }
      return {
        ref,
        exists: true,
        id: issue.databaseId,
        open: issue.state === "OPEN",
        stateReason: issue.stateReason,
        labels: issue.labels.nodes.map((label) => label.name),
        dependsOn: dependsLineOf(issue.body, ref),
      };
    });
  }

  async textHistories(numbers: readonly number[]): Promise<TextHistory[]> {
    const histories: TextHistory[] = [];
    for (let start = 0; start < numbers.length; start += HISTORY_BATCH) {
      const batch = numbers.slice(start, start + HISTORY_BATCH);
      const { query, variables } = textHistoryQuery(this.repo.owner, this.repo.repo, batch);
      const data = await this.graphql<{
        repository: Record<string, TextHistoryIssue | null> | null;
      }>(query, variables, `reading who wrote and queued ${batch.map((n) => `#${n}`).join(", ")}`);
      if (!data.repository) throw this.repositoryNotFound();
      batch.forEach((_, i) => {
        const issue = data.repository?.[`i${i}`];
        if (issue) histories.push(textHistoryOf(issue));
      });
    }
    return histories;
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

  private async comment(number: number, body: string): Promise<number> {
    try {
      const { data } = await this.client.rest.issues.createComment({
        ...this.where,
        issue_number: number,
        body,
      });
      return data.id;
    } catch (error) {
      throw explainGitHubError(error, `commenting on #${number}`);
    }
  }

  private async addSubIssue(story: IssueRef, childId: number) {
    try {
      await this.client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
        owner: story.owner,
        repo: story.repo,
        issue_number: story.number,
        sub_issue_id: childId,
      });
    } catch (error) {
      // A retried request whose first answer was lost finds the link already made.
      if (isStatus(error, 422) && (await this.isSubIssueOf(story, childId))) return;
      throw error;
    }
  }

  private async isSubIssueOf(story: IssueRef, childId: number) {
    const children = await this.client.paginate(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
      {
        owner: story.owner,
        repo: story.repo,
        issue_number: story.number,
        per_page: MAX_PAGE_SIZE,
      },
    );
    return children.some((child) => child.id === childId);
  }

  private async addBlockedBy(number: number, blockerId: number) {
    try {
      await this.client.request(
        "POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
        {
          ...this.where,
          issue_number: number,
          issue_id: blockerId,
        },
      );
    } catch (error) {
      if (isStatus(error, 422)) {
        const blockers = await this.blockers(number);
        if (blockers.some((blocker) => blocker.id === blockerId)) return;
      }
      throw error;
    }
  }

  /** The issues that block this one (its blocked-by links), every page. */
  private blockers(number: number) {
    return this.client.paginate(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
      { ...this.where, issue_number: number, per_page: MAX_PAGE_SIZE },
    );
  }

  private async graphql<T>(
    query: string,
    variables: Record<string, unknown>,
    doing: string,
  ): Promise<T> {
    try {
      return await this.client.graphql<T>(query, variables);
    } catch (error) {
      if (error instanceof GraphqlResponseError && onlyNotFound(error)) {
        return (error.data ?? {}) as T;
      }
      throw explainGitHubError(error, doing);
    }
  }

  private repositoryNotFound() {
    return new NotFoundError(
      `Repository ${formatRepo(this.repo)} was not found, or the token cannot see it.`,
    );
  }

  private async snapshot(node: GraphQLGoal): Promise<GoalSnapshot> {
    let comments = node.comments.nodes.map((comment) => ({
      author: actorLogin(comment.author),
      body: comment.body,
      createdAt: comment.createdAt,
    }));
    if (node.comments.totalCount > comments.length) {
      // Busy conversations: markers may sit before the window GraphQL gave us.
      comments = await this.allComments(node.number);
    }
    const labels = node.labels.nodes.map((label) => label.name);
    return {
      ref: { ...this.repo, number: node.number },
      id: node.databaseId,
      nodeId: node.id,
      title: node.title,
      body: node.body,
      url: node.url,
      open: node.state === "OPEN",
      stateReason: node.stateReason,
      labels,
      state: stateFromLabels(labels).state,
      author: actorLogin(node.author),
      createdAt: node.createdAt,
      markers: trustedMarkers(comments, this.trustedAuthors),
    };
  }

  private async allComments(number: number) {
    const comments = await this.client.paginate(this.client.rest.issues.listComments, {
      ...this.where,
      issue_number: number,
      per_page: MAX_PAGE_SIZE,
    });
    return comments.map((comment) => ({
      author: comment.user?.login ?? "ghost",
      body: comment.body ?? "",
      createdAt: comment.created_at,
    }));
  }
}

function textHistoryOf(issue: TextHistoryIssue): TextHistory {
  let titleEdit: TextHistory["titleEdit"] = null;
  const labelled: TextHistory["labelled"] = [];
  for (const item of issue.timelineItems.nodes) {
    if (!("createdAt" in item) || !("actor" in item)) continue;
    const by = actorLogin(item.actor);
    if (item.__typename === "RenamedTitleEvent") titleEdit = { by, at: item.createdAt };
    else if ("label" in item) labelled.push({ label: item.label.name, by, at: item.createdAt });
  }
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body,
    author: actorLogin(issue.author),
    createdAt: issue.createdAt,
    bodyEdit: issue.lastEditedAt ? { by: actorLogin(issue.editor), at: issue.lastEditedAt } : null,
    titleEdit,
    labelled,
  };
}

function groupByRepo(refs: readonly IssueRef[]) {
  const groups: Array<{ owner: string; repo: string; numbers: number[] }> = [];
  for (const ref of refs) {
    let group = groups.find((candidate) => sameRepo(candidate, ref));
    if (!group) {
      group = { owner: ref.owner, repo: ref.repo, numbers: [] };
      groups.push(group);
    }
    if (!group.numbers.includes(ref.number)) group.numbers.push(ref.number);
  }
  return groups;
}

/** owner/repo from an API URL like https://api.github.com/repos/owner/repo. */
function repoFromApiUrl(url: string): RepoRef {
  const match = /\/repos\/([^/]+)\/([^/]+)$/.exec(url);
  if (!match?.[1] || !match[2]) throw new Error(`Unexpected repository URL from GitHub: ${url}`);
  return { owner: match[1], repo: match[2] };
}

function onlyNotFound(error: GraphqlResponseError<unknown>): boolean {
  return error.errors?.every((entry) => (entry as { type?: string }).type === "NOT_FOUND") ?? false;
}

/** Room kept for the human-readable text when markers have to be shortened. */
const TEXT_RESERVE = 2_000;
/** Ends a marker's free text that was shortened to fit the comment. */
const MARKER_CUT_NOTE = "… (cut)";
const MARKER_TEXT_FIELDS = ["reason", "logTail", "text"] as const;

/** The markers with every free-text field (reasons, log tails, feedback) at most `cap` long. */
function capMarkers(markers: readonly Marker[], cap: number): Marker[] {
  return markers.map((marker) => {
    const copy: Record<string, unknown> = { ...marker };
    for (const key of MARKER_TEXT_FIELDS) {
      const value = copy[key];
      if (typeof value === "string") copy[key] = fitBody(value, cap, MARKER_CUT_NOTE);
    }
    return copy as unknown as Marker;
  });
}

/**
 * A comment of human-readable `text`, a blank line and the markers (one a line), within GitHub's
 * comment limit. The markers stay whole and parseable: when they alone would leave less than
 * TEXT_RESERVE for the text, their free-text fields are shortened to one common, largest cap
 * that fits; then the text is cut to the room that is left.
 */
function markedComment(text: string, markers: readonly Marker[]): string {
  const encode = (list: readonly Marker[]) => list.map(encodeMarker).join("\n");
  const markerRoom = GITHUB_LIMITS.body - TEXT_RESERVE;
  let tail = encode(markers);
  if (tail.length > markerRoom) {
    // Binary search for the largest cap whose encoding fits.
    let low = MARKER_CUT_NOTE.length;
    let high = GITHUB_LIMITS.body;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (encode(capMarkers(markers, middle)).length <= markerRoom) low = middle;
      else high = middle - 1;
    }
    tail = encode(capMarkers(markers, low));
  }
  const room = Math.max(0, GITHUB_LIMITS.body - tail.length - 2);
  return `${fitBody(text, room, cutNote())}\n\n${tail}`;
}

/** The Depends: line of another goal, for cycle detection; a body that is no goal has none. */
function dependsLineOf(body: string, ref: IssueRef): IssueRef[] {
  try {
    return parseVisibleGoalBody(body, ref).depends;
  } catch {
    return [];
  }
}
