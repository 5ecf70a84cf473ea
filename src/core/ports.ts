import type { IssueRef, RepoRef } from "./issue-ref.js";
import type { Marker, RunResultMarker, TrustedMarker } from "./markers.js";
import type { ReviewRequest } from "./review-rounds.js";
import type { MERGE_METHODS } from "./settings.js";
import type { GoalState, LabelSpec } from "./states.js";
import type { TextHistory } from "./vouching.js";

/** What the orchestrator knows about one goal issue at one moment. */
export interface GoalSnapshot {
  ref: IssueRef;
  /** GitHub's numeric id (sub-issues and blocked-by links take it, not the number). */
  id: number;
  nodeId: string;
  title: string;
  body: string;
  url: string;
  open: boolean;
  stateReason: string | null;
  labels: string[];
  state: GoalState | null;
  author: string;
  createdAt: string;
  /** Orchestrator markers from trusted authors, oldest first. */
  markers: TrustedMarker[];
  /** The comments holding its claims, oldest first: read by `getGoal`, not by listings. */
  claimComments?: ClaimComment[];
}

/**
 * The comment a claim was posted in: its attempt's status comment. The move to running and the
 * attempt's result are added to it by editing (an edit creates no content; see TransitionRequest).
 */
export interface ClaimComment extends RecordedComment {
  attempt: number;
  /** Its author's login: a result is added only to a comment of the writer's own account. */
  author: string;
}

/** State of an issue that some goal depends on. */
export interface DependencyInfo {
  ref: IssueRef;
  exists: boolean;
  /** GitHub's numeric id, null when the issue does not exist. */
  id: number | null;
  open: boolean;
  stateReason: string | null;
  labels: string[];
  /** The issue's own Depends: line and blocked-by links, for cycle detection. */
  dependsOn: IssueRef[];
}

export interface StorySummary {
  number: number;
  title: string;
  goals: Array<{ ref: IssueRef; open: boolean; stateReason: string | null; labels: string[] }>;
}

export interface NewGoal {
  title: string;
  /** Full goal body, already validated and carrying its Story:/Depends: lines. */
  body: string;
  state: Extract<GoalState, "draft" | "queued">;
  spotCheck: boolean;
  story: IssueRef | null;
  depends: IssueRef[];
}

export interface TransitionRequest {
  to: GoalState;
  /** Refuse (ConflictError) unless the goal is in this state when we look. */
  expectedFrom?: GoalState | null;
  /** One line for humans: why the state changes. */
  reason: string;
  /** A fact to record with the change (claim, run result, feedback). */
  marker?: Marker;
  /**
   * Add the move and marker to this comment (the attempt's claim comment) by editing it, dated
   * `at`, instead of posting a new comment. A comment of another account (whose markers a reader
   * may not trust), or one that is gone, refused or too long to hold them, gets a new comment.
   */
  appendTo?: { comment: ClaimComment; at: Date };
}

/** A marker comment the store wrote, as it wrote it. */
export interface RecordedComment {
  commentId: number;
  nodeId: string;
  body: string;
}

/** A verified claim's move to goal:running (flows/claim-goals.ts). */
export interface RunStart {
  /** The goal as read after its claim, in goal:queued. */
  goal: GoalSnapshot;
  reason: string;
  /** The claim's comment: the move is added to it. */
  claim: RecordedComment;
}

/** A label as the repository has it now. */
export interface ExistingLabel {
  /** GitHub's node id (GraphQL mutations take it). */
  id: string;
  name: string;
  color: string;
  description: string | null;
}

/**
 * What a dispatch cycle reads first, in one cheap request, to skip every part with nothing to
 * look at (flows/dispatch.ts). Counts of goals read from one page: zero means none.
 */
export interface CycleOverview {
  /** goal:running goals, open or closed as completed. */
  running: number;
  /** goal:spot-check goals, open or closed as completed. */
  spotCheck: number;
  /** goal:done goals still open: their pull request has not merged yet. */
  awaitingMerge: number;
  queued: number;
  /** Open goal:stuck goals changed since the overview's `since`: a queued goal may be blocked. */
  stuckSince: number;
  /** Queued goals changed since `since`: one may wait for a stuck goal, and not be told yet. */
  queuedSince: number;
  /** Open stories with a goal:done goal changed since `since`: they may be finished. */
  storiesToCheck: number[];
  /** Those of the labels asked for that exist, as they are. */
  labels: ExistingLabel[];
}

/** Everything the flows need from the place goals live. The GitHub adapter implements it. */
export interface GoalStore {
  readonly repo: RepoRef;
  /** The account the store acts as (its markers are trusted). */
  readonly viewer: string;
  /** The orchestrator's identities (lower case): the viewer, github-actions[bot], marker-authors. */
  readonly trustedAuthors: ReadonlySet<string>;
  /** Makes `labels` exist with our look; `existing` (from an overview) saves listing them. */
  ensureLabels(
    labels: readonly LabelSpec[],
    existing?: ReadonlyArray<Omit<ExistingLabel, "id">>,
  ): Promise<{ created: string[]; updated: string[] }>;
  /** See CycleOverview; `labels` are the labels to report on. */
  overview(since: Date, labels: readonly LabelSpec[]): Promise<CycleOverview>;
  /**
   * Open goals in one state, oldest first, fetched lazily page by page; for goal:running and
   * goal:spot-check also those closed as completed (GitHub closes a goal when its pull request
   * merges), so that they can be settled.
   */
  listGoals(state: GoalState): AsyncIterable<GoalSnapshot>;
  /**
   * Run-result markers written (or edited) since `since`, on any issue, with the number of the
   * issue they are on. Costs one request per 100 comments written since then, however many
   * goals there are.
   */
  runResultsSince(
    since: Date,
  ): Promise<Array<RunResultMarker & { createdAt: string; issue: number }>>;
  /** Goals in any state, open or closed, changed since `since` (null: all), oldest first, lazily. */
  listGoalActivity(since: Date | null): AsyncIterable<GoalSnapshot>;
  getGoal(number: number): Promise<GoalSnapshot>;
  /** Several goals in one request; an issue that does not exist is left out. */
  getGoals(numbers: readonly number[]): Promise<Map<number, GoalSnapshot>>;
  /**
   * Moves verified claims' goals to goal:running in one request: every label set first, then
   * each move added to its claim comment (a move to running goes label first, see transition).
   */
  startRuns(starts: readonly RunStart[]): Promise<void>;
  /**
   * Comments why (with the marker), then leaves exactly one state label; a move to running
   * goes label first (see docs/design.md, "Write order"). Returns the state it left.
   */
  transition(number: number, request: TransitionRequest): Promise<{ from: GoalState | null }>;
  /** Comments `text` plus the marker; returns the comment's id. */
  recordMarker(number: number, text: string, marker: Marker): Promise<RecordedComment>;
  /**
   * Comments on several goals in one request, in order (a cycle's claims): one paced write.
   * Each answer is the comment recorded, or null when GitHub refused that one alone.
   */
  recordMarkers(
    entries: ReadonlyArray<{ goal: GoalSnapshot; text: string; marker: Marker }>,
  ): Promise<Array<RecordedComment | null>>;
  /** Removes one of our comments (a lost claim). A comment already gone is fine. */
  deleteComment(commentId: number): Promise<void>;
  /** Open goals in one state, without reading them. */
  countGoals(state: GoalState): Promise<number>;
  /** GitHub's native "blocked by" links of a goal. */
  blockedBy(number: number): Promise<IssueRef[]>;
  /** These stories, those open and labelled story, with the state of each of their sub-issues. */
  openStories(numbers: readonly number[]): Promise<StorySummary[]>;
  closeIssue(number: number, comment: string): Promise<void>;
  createGoal(goal: NewGoal): Promise<{ number: number; url: string; warnings: string[] }>;
  /** State of each referenced issue, in any repository, in the order asked. */
  dependencyInfo(refs: readonly IssueRef[]): Promise<DependencyInfo[]>;
  /** Who wrote and who labelled these issues (see core/vouching.ts); missing issues are left out. */
  textHistories(numbers: readonly number[]): Promise<TextHistory[]>;
  /** Whether a person may submit goals here (write, maintain or admin). */
  hasWriteAccess(login: string): Promise<boolean>;
}

export type MergeMethod = (typeof MERGE_METHODS)[number];
export type ApproveOutcome = "merged" | "auto-merge enabled" | "already merged";

/** Review requests on a goal's pull request, and the orchestrator's answers there. */
export interface PullRequestReviews {
  /**
   * Reviews that request changes and `/goal revise` comments, from anyone, oldest first. A
   * review already answered (see `answered`) comes without its inline comments.
   */
  requests: ReviewRequest[];
  /** `review-reply` markers the orchestrator (a trusted author) left on the pull request. */
  replies: TrustedMarker[];
}

/** Review rounds on goal pull requests (see core/review-rounds.ts). */
export interface ReviewPort {
  reviewRequests(
    number: number,
    options: { answered: ReadonlySet<string>; trustedAuthors: ReadonlySet<string> },
  ): Promise<PullRequestReviews>;
  /** Turns auto-merge off, so a pull request under review does not merge; fine when it was off. */
  disableAutoMerge(number: number): Promise<void>;
  comment(number: number, body: string): Promise<void>;
}

/** What the review commands need from goal pull requests. */
export interface PullRequestPort extends ReviewPort {
  /** Merges when GitHub can merge now, otherwise enables auto-merge. */
  approve(number: number, method: MergeMethod): Promise<ApproveOutcome>;
  /** Comments why, then closes without merging. */
  close(number: number, comment: string): Promise<void>;
}

/** A goal pull request the runner opened (or found open for its branch). */
export interface OpenedPullRequest {
  number: number;
  url: string;
  nodeId: string;
  /** False when an open pull request for the same head and base already existed. */
  created: boolean;
}

/**
 * What enabling auto-merge came to: `auto-merge` (GitHub merges it once its checks pass),
 * `merged` (GitHub could merge it at once, so it was merged directly), or `refused` with
 * GitHub's reason (the repository does not allow auto-merge, or a direct merge failed): a
 * human must look.
 */
export type AutoMergeResult =
  | { kind: "auto-merge" }
  | { kind: "merged" }
  | { kind: "refused"; reason: string };

/** A pull request whose head is a goal branch, as it stands now. */
export interface BranchPullRequest {
  number: number;
  url: string;
  state: "open" | "closed" | "merged";
  /** Open with auto-merge enabled: GitHub merges it once its checks pass. */
  autoMerge: boolean;
  /** ISO 8601. */
  createdAt: string;
  mergedAt: string | null;
}

/** Finding a goal's pull requests by its branch, when no run result names them. */
export interface PullRequestLookupPort {
  /** Pull requests (any state) from this branch of the repository, newest first. */
  forBranch(branch: string): Promise<BranchPullRequest[]>;
}

/** What the runner needs from goal pull requests. */
export interface RunPullRequestPort extends PullRequestLookupPort, ReviewPort {
  /** Opens a pull request; an open one for the same head and base is reused. */
  create(request: {
    head: string;
    base: string;
    title: string;
    body: string;
  }): Promise<OpenedPullRequest>;
  /** Enables auto-merge; merges directly only when GitHub says it can merge now. */
  enableAutoMerge(pull: OpenedPullRequest, method: MergeMethod): Promise<AutoMergeResult>;
}

/** A check on a pull request's head commit that did not pass. */
export interface FailedCheck {
  name: string;
  conclusion: string;
  /** What the check reported (its output title, summary and text), shortened. */
  excerpt: string;
}

/** Where a goal's pull request stands, for the dispatcher's watch over goal PRs. */
export interface PullRequestStatusPort extends PullRequestLookupPort, ReviewPort {
  status(number: number): Promise<{ open: boolean; merged: boolean; updatedAt: string }>;
  /** Comments why, then closes without merging. */
  close(number: number, comment: string): Promise<void>;
  /** Failed checks of an open pull request, and whether it can still merge (null: unknown yet). */
  health(number: number): Promise<{
    open: boolean;
    merged: boolean;
    updatedAt: string;
    mergeable: boolean | null;
    failedChecks: FailedCheck[];
  }>;
}

/** What a workflow run recorded in a claim is doing now. */
export type WorkflowRunState = "active" | "completed" | "missing";

/** What the dispatcher needs from GitHub Actions. */
export interface ActionsPort {
  workflowRunState(runId: string): Promise<WorkflowRunState>;
  /**
   * Ids of the repository's workflow runs in progress now, from one listing (its first pages):
   * a run not among them may still be active, and is asked for by workflowRunState.
   */
  runsInProgress(): Promise<ReadonlySet<string>>;
  /** Self-hosted runners that are online, idle and carry every label. */
  idleRunners(labels: readonly string[]): Promise<number>;
}

/** Held while a dispatch cycle runs; see src/core/dispatch-lock.ts. */
export interface LockLease {
  /**
   * True once the holder may have lost the lock (its ticket could not be renewed in time, its
   * label is gone, or a newer generation exists): claim nothing more. It stays true.
   */
  lost(): boolean;
  /**
   * True for the first cycle of the UTC day `day` (YYYY-MM-DD) to find the budget reached: it
   * records that it tells people, so the notification goes out once a day, not every cycle.
   */
  firstBudgetNotice(day: string): Promise<boolean>;
  release(): Promise<void>;
}

export interface DispatchLockPort {
  /** Waits up to `waitSeconds` for the lock; null when it stayed taken. */
  acquire(waitSeconds: number): Promise<LockLease | null>;
}
