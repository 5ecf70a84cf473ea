// In-memory model of the GitHub data the test server serves: users, repositories, labels,
// issues (pull requests are issues with a `pull` part, sharing one number sequence), comments,
// body edit history and timeline events (labeled/unlabeled/renamed), sub-issue and blocked-by
// links, pull-request reviews and their inline comments, workflows, their runs and dispatches,
// and runners. Pure data plus small helpers; HTTP, rendering and GitHub's error semantics live
// elsewhere.
import { createHash, randomBytes } from "node:crypto";
import { AppRegistry } from "./apps.js";

export type Permission = "admin" | "write" | "read" | "none";
const PERMISSION_RANK: Record<Permission, number> = { none: 0, read: 1, write: 2, admin: 3 };

export interface UserModel {
  id: number;
  nodeId: string;
  login: string;
  type: "User" | "Bot";
  token: string;
  createdAt: string;
}

export interface LabelModel {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface CommentModel {
  id: number;
  nodeId: string;
  issue: IssueModel;
  body: string;
  author: UserModel;
  createdAt: string;
  updatedAt: string;
}

/**
 * One revision of an issue's (or pull request's) body, as GitHub's `UserContentEdit`. The first
 * edit also records the creation as a revision (editor: the author, at `createdAt`), as GitHub
 * does (`includesCreatedEdit`).
 */
export interface UserContentEditModel {
  id: number;
  nodeId: string;
  editor: UserModel;
  editedAt: string;
  /** The full body of this revision (what GitHub's `UserContentEdit.diff` holds). */
  body: string | null;
}

/** Timeline events the server records (GitHub's LabeledEvent, UnlabeledEvent, RenamedTitleEvent). */
export type IssueEventModel =
  | {
      kind: "labeled" | "unlabeled";
      id: number;
      nodeId: string;
      actor: UserModel;
      createdAt: string;
      label: LabelModel;
    }
  | {
      kind: "renamed";
      id: number;
      nodeId: string;
      actor: UserModel;
      createdAt: string;
      previousTitle: string;
      currentTitle: string;
    };

export interface AutoMergeModel {
  enabledAt: string;
  enabledBy: UserModel;
  mergeMethod: "MERGE" | "SQUASH" | "REBASE";
}

export type Mergeable = "MERGEABLE" | "CONFLICTING" | "UNKNOWN";
export type MergeStateStatus =
  | "BEHIND"
  | "BLOCKED"
  | "CLEAN"
  | "DIRTY"
  | "DRAFT"
  | "HAS_HOOKS"
  | "UNKNOWN"
  | "UNSTABLE";

export type ReviewState = "PENDING" | "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";

/** An inline comment of a review (GitHub's PullRequestReviewComment, REST `review-comment`). */
export interface ReviewCommentModel {
  id: number;
  nodeId: string;
  review: ReviewModel;
  path: string;
  body: string;
  /** Line of the blob on `side` (the last line of a multi-line comment). */
  line: number;
  side: "LEFT" | "RIGHT";
  /** First line of a multi-line comment; null for a single line. */
  startLine: number | null;
  startSide: "LEFT" | "RIGHT" | null;
  /** Position in the file's diff (lines below its first `@@`); without git, the line. */
  position: number;
  /** The diff from the hunk header down to the commented line (GitHub's `diff_hunk`). */
  diffHunk: string;
  commitId: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A pull-request review. PENDING until submitted (`submittedAt` null; only its author sees it);
 * submitted reviews and their comments bump the pull request's `updatedAt`.
 */
export interface ReviewModel {
  id: number;
  nodeId: string;
  issue: IssueModel;
  author: UserModel;
  /** "" when none was given (GitHub answers an empty string, never null). */
  body: string;
  state: ReviewState;
  commitId: string;
  createdAt: string;
  submittedAt: string | null;
  /** Inline comments, in the order given. */
  comments: ReviewCommentModel[];
}

export interface PullModel {
  id: number;
  nodeId: string;
  head: string;
  base: string;
  headSha: string;
  baseSha: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: UserModel | null;
  mergeCommitSha: string | null;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  /** Effective values (computed from git and protection, then `forced` applied). */
  mergeable: Mergeable;
  /** BLOCKED while a protected base waits for checks; CLEAN when mergeable and unprotected. */
  mergeStateStatus: MergeStateStatus;
  /** Values a test forces (see GitHubServer.setPullState); they win over computed ones. */
  forced: { mergeable?: Mergeable; mergeStateStatus?: MergeStateStatus };
  /** GitHub's merge refusal while required checks block (null when they do not). */
  blockReason?: string | null;
  autoMerge: AutoMergeModel | null;
  /** Reviews, oldest first (pending ones included). */
  reviews: ReviewModel[];
}

export interface IssueModel {
  id: number;
  nodeId: string;
  repo: RepoModel;
  number: number;
  title: string;
  body: string | null;
  /** When the body was last edited (title renames do not count); null when never edited. */
  lastEditedAt: string | null;
  /** Who last edited the body; null when never edited. */
  editor: UserModel | null;
  /** Body revisions, oldest first (empty until the first edit, then the creation and each edit). */
  userContentEdits: UserContentEditModel[];
  /** Labeled/unlabeled/renamed events, oldest first. */
  events: IssueEventModel[];
  state: "open" | "closed";
  stateReason: "completed" | "reopened" | "not_planned" | "duplicate" | null;
  labels: LabelModel[];
  author: UserModel;
  assignees: UserModel[];
  locked: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: UserModel | null;
  comments: CommentModel[];
  parent: IssueModel | null;
  subIssues: IssueModel[];
  /** Issues that block this one (GitHub's "blocked by" relationship). */
  blockedBy: IssueModel[];
  pull: PullModel | null;
}

export interface WorkflowRunSeed {
  id: number;
  name?: string;
  status?: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion?: string | null;
  headBranch?: string;
  headSha?: string;
  event?: string;
  runAttempt?: number;
  workflowId?: number;
  path?: string;
}

/** A workflow file of the repository (`.github/workflows/<file>`), as tests seed it. */
export interface WorkflowSeed {
  /** The file name, like `goals.yml`: what `workflow_id` may name besides the id. */
  file: string;
  id?: number;
  name?: string;
  /** Whether its `on:` has `workflow_dispatch` (default true). */
  dispatchable?: boolean;
}

/** A `workflow_dispatch` GitHub accepted (`actions/create-workflow-dispatch`). */
export interface WorkflowDispatchModel {
  workflowId: number;
  file: string;
  ref: string;
  inputs: Record<string, unknown>;
  actor: string;
  createdAt: string;
}

export interface RunnerSeed {
  id?: number;
  name: string;
  os?: string;
  status?: "online" | "offline";
  busy?: boolean;
  labels?: string[];
}

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion =
  | "success"
  | "failure"
  | "cancelled"
  | "timed_out"
  | "neutral"
  | "skipped"
  | "action_required";

export interface CheckRunSeed {
  headSha: string;
  name: string;
  status?: CheckStatus;
  conclusion?: CheckConclusion | null;
  output?: { title?: string | null; summary?: string | null; text?: string | null };
  detailsUrl?: string | null;
  /** Adds `name` to the required checks of the default branch (see setRequiredChecks). */
  required?: boolean;
}

export interface CheckRunModel {
  id: number;
  nodeId: string;
  headSha: string;
  name: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  output: { title: string | null; summary: string | null; text: string | null };
  detailsUrl: string | null;
  startedAt: string;
  completedAt: string | null;
}

export interface RepoModel {
  id: number;
  nodeId: string;
  owner: UserModel;
  name: string;
  defaultBranch: string;
  allowAutoMerge: boolean;
  /** Branches with a protection rule (enablePullRequestAutoMerge needs one on the base). */
  protectedBranches: Set<string>;
  private: boolean;
  gitDir: string | undefined;
  /** Branches of a repository without `gitDir` (name → fake commit SHA), for pulls without git. */
  branches: Map<string, string>;
  createdAt: string;
  labels: LabelModel[];
  issues: Map<number, IssueModel>;
  nextNumber: number;
  permissions: Map<string, Permission>;
  /** Effective permission of users without an explicit one (the owner is always admin). */
  defaultPermission: Permission;
  workflowRuns: Map<number, WorkflowRunSeed & { createdAt: string; updatedAt: string }>;
  runners: Required<RunnerSeed>[];
  /** Workflow files by id (`addWorkflow`), and the dispatches requested of them, oldest first. */
  workflows: Map<number, Required<WorkflowSeed>>;
  workflowDispatches: WorkflowDispatchModel[];
  checkRuns: Map<number, CheckRunModel>;
  /** Required check names by protected branch; a protected branch without an entry stays BLOCKED. */
  requiredChecks: Map<string, string[]>;
}

export interface CreateRepositoryOptions {
  owner: string;
  name: string;
  defaultBranch?: string;
  allowAutoMerge?: boolean;
  /** Branches with protection rules (default: the default branch). */
  protectedBranches?: string[];
  private?: boolean;
  /** Bare git repository on disk backing branches and pull requests. */
  gitDir?: string;
  /** Permission of users with no explicit `setPermission` (default "write"). */
  defaultPermission?: Permission;
}

/** Strictly increasing clock: real time, never repeating a millisecond, shiftable by tests. */
export class Clock {
  private last = 0;
  offsetMs = 0;
  nowMs(): number {
    this.last = Math.max(Date.now() + this.offsetMs, this.last + 1);
    return this.last;
  }
  now(): string {
    return new Date(this.nowMs()).toISOString();
  }
  /** Moves the clock forward (e.g. to expire a lease) without waiting. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

function nodeId(prefix: string, kind: string, id: number): string {
  return `${prefix}_${Buffer.from(`0:${kind}:${id}`).toString("base64url")}`;
}

const lower = (s: string) => s.toLowerCase();

/** A stable 40-hex "commit SHA" for repositories without a git directory. */
export function fakeSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

export class GitHubState {
  readonly clock = new Clock();
  /** GitHub Apps, their installations and installation tokens. */
  readonly apps = new AppRegistry(this);
  readonly users = new Map<string, UserModel>();
  readonly repos = new Map<string, RepoModel>();
  readonly nodes = new Map<
    string,
    UserModel | RepoModel | LabelModel | IssueModel | CommentModel
  >();
  private readonly issuesById = new Map<number, IssueModel>();
  private readonly seq = {
    user: 100_000,
    repo: 500_000_000,
    label: 600_000_000,
    issue: 1_000_000_000,
    comment: 1_500_000_000,
    pull: 1_900_000_000,
    checkRun: 2_100_000_000,
    event: 3_000_000_000,
    edit: 4_000_000_000,
    review: 5_000_000_000,
    reviewComment: 6_000_000_000,
  };

  now(): string {
    return this.clock.now();
  }

  private next(kind: keyof GitHubState["seq"]): number {
    this.seq[kind] += 1;
    return this.seq[kind];
  }

  addUser(options: { login: string; type?: "User" | "Bot"; token?: string }): UserModel {
    const existing = this.users.get(lower(options.login));
    if (existing) return existing;
    const id = this.next("user");
    const type = options.type ?? "User";
    const user: UserModel = {
      id,
      nodeId: nodeId(type === "Bot" ? "BOT" : "U", type, id),
      login: options.login,
      type,
      token: options.token ?? `ghs_test${randomBytes(16).toString("hex")}`,
      createdAt: this.now(),
    };
    this.users.set(lower(user.login), user);
    this.nodes.set(user.nodeId, user);
    return user;
  }

  userByLogin(login: string): UserModel | undefined {
    return this.users.get(lower(login));
  }

  userByToken(token: string): UserModel | undefined {
    for (const user of this.users.values()) if (user.token === token) return user;
    return undefined;
  }

  createRepository(options: CreateRepositoryOptions): RepoModel {
    const key = lower(`${options.owner}/${options.name}`);
    if (this.repos.has(key)) throw new Error(`Repository ${options.owner}/${options.name} exists`);
    const owner = this.addUser({ login: options.owner });
    const id = this.next("repo");
    const repo: RepoModel = {
      id,
      nodeId: nodeId("R", "Repository", id),
      owner,
      name: options.name,
      defaultBranch: options.defaultBranch ?? "main",
      allowAutoMerge: options.allowAutoMerge ?? false,
      protectedBranches: new Set(options.protectedBranches ?? [options.defaultBranch ?? "main"]),
      private: options.private ?? false,
      gitDir: options.gitDir,
      branches: new Map([[options.defaultBranch ?? "main", fakeSha(`${key}:initial`)]]),
      createdAt: this.now(),
      labels: [],
      issues: new Map(),
      nextNumber: 1,
      permissions: new Map([[lower(owner.login), "admin"]]),
      defaultPermission: options.defaultPermission ?? "write",
      workflowRuns: new Map(),
      runners: [],
      workflows: new Map(),
      workflowDispatches: [],
      checkRuns: new Map(),
      requiredChecks: new Map(),
    };
    this.repos.set(key, repo);
    this.nodes.set(repo.nodeId, repo);
    return repo;
  }

  getRepo(owner: string, name: string): RepoModel | undefined {
    return this.repos.get(lower(`${owner}/${name}`));
  }

  fullName(repo: RepoModel): string {
    return `${repo.owner.login}/${repo.name}`;
  }

  setPermission(owner: string, name: string, login: string, permission: Permission): void {
    const repo = this.requireRepo(owner, name);
    this.addUser({ login });
    repo.permissions.set(lower(login), permission);
  }

  permissionOf(repo: RepoModel, user: UserModel): Permission {
    return repo.permissions.get(lower(user.login)) ?? repo.defaultPermission;
  }

  can(repo: RepoModel, user: UserModel, needed: Permission): boolean {
    return PERMISSION_RANK[this.permissionOf(repo, user)] >= PERMISSION_RANK[needed];
  }

  requireRepo(owner: string, name: string): RepoModel {
    const repo = this.getRepo(owner, name);
    if (!repo) throw new Error(`No repository ${owner}/${name} in the test server`);
    return repo;
  }

  // Labels ---------------------------------------------------------------------------------

  findLabel(repo: RepoModel, name: string): LabelModel | undefined {
    return repo.labels.find((label) => lower(label.name) === lower(name));
  }

  createLabel(
    repo: RepoModel,
    input: { name: string; color?: string; description?: string | null },
  ): LabelModel {
    const id = this.next("label");
    const label: LabelModel = {
      id,
      nodeId: nodeId("LA", "Label", id),
      name: input.name,
      color: (input.color ?? "ededed").replace(/^#/, "").toLowerCase(),
      description: input.description ?? null,
      default: false,
    };
    repo.labels.push(label);
    this.nodes.set(label.nodeId, label);
    return label;
  }

  /** The label with this name, created (grey, no description) when missing, as GitHub does. */
  ensureLabel(repo: RepoModel, name: string): LabelModel {
    return this.findLabel(repo, name) ?? this.createLabel(repo, { name });
  }

  deleteLabel(repo: RepoModel, label: LabelModel): void {
    repo.labels = repo.labels.filter((l) => l !== label);
    for (const issue of repo.issues.values())
      issue.labels = issue.labels.filter((l) => l !== label);
    this.nodes.delete(label.nodeId);
  }

  // Issues ---------------------------------------------------------------------------------

  createIssue(
    repo: RepoModel,
    input: { title: string; body?: string | null; author: UserModel; labels?: string[] },
  ): IssueModel {
    const id = this.next("issue");
    const now = this.now();
    const issue: IssueModel = {
      id,
      nodeId: nodeId("I", "Issue", id),
      repo,
      number: repo.nextNumber++,
      title: input.title,
      body: input.body ?? null,
      lastEditedAt: null,
      editor: null,
      userContentEdits: [],
      events: [],
      state: "open",
      stateReason: null,
      labels: [],
      author: input.author,
      assignees: [],
      locked: false,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
      comments: [],
      parent: null,
      subIssues: [],
      blockedBy: [],
      pull: null,
    };
    // Labels given at creation: one labeled event each, by the author, at creation time.
    for (const name of input.labels ?? []) this.addLabelToIssue(issue, name, input.author, now);
    repo.issues.set(issue.number, issue);
    this.issuesById.set(issue.id, issue);
    this.nodes.set(issue.nodeId, issue);
    return issue;
  }

  /** Issues with their pull-request part, for assertions: `getIssue("o", "r", 1)`. */
  getIssue(owner: string, name: string, number: number): IssueModel | undefined {
    return this.getRepo(owner, name)?.issues.get(number);
  }

  issueById(id: number): IssueModel | undefined {
    return this.issuesById.get(id);
  }

  /** Issues this one blocks (the reverse of their `blockedBy`), in any repository. */
  blocking(issue: IssueModel): IssueModel[] {
    return [...this.issuesById.values()].filter((other) => other.blockedBy.includes(issue));
  }

  /**
   * Adds a label (created when missing) unless the issue has it; records a labeled event by
   * `actor` (at `at`, default now) when it was added. Returns whether it was added.
   */
  addLabelToIssue(issue: IssueModel, name: string, actor: UserModel, at?: string): boolean {
    const label = this.ensureLabel(issue.repo, name);
    if (issue.labels.includes(label)) return false;
    issue.labels.push(label);
    this.recordLabelEvent(issue, "labeled", label, actor, at);
    return true;
  }

  /** Removes a label the issue has, recording an unlabeled event by `actor`. */
  removeLabelFromIssue(issue: IssueModel, label: LabelModel, actor: UserModel, at?: string): void {
    if (!issue.labels.includes(label)) return;
    issue.labels = issue.labels.filter((l) => l !== label);
    this.recordLabelEvent(issue, "unlabeled", label, actor, at);
  }

  /**
   * Replaces the labels of an issue (in the order given; names are created when missing, label
   * models must be the issue's repository's), recording an unlabeled event for each
   * label removed, then a labeled event for each label added; labels kept record nothing.
   */
  setIssueLabels(
    issue: IssueModel,
    names: (string | LabelModel)[],
    actor: UserModel,
    at?: string,
  ): void {
    const wanted: LabelModel[] = [];
    for (const name of names) {
      const label = typeof name === "string" ? this.ensureLabel(issue.repo, name) : name;
      if (!wanted.includes(label)) wanted.push(label);
    }
    const when = at ?? this.now();
    for (const label of issue.labels.filter((l) => !wanted.includes(l))) {
      this.recordLabelEvent(issue, "unlabeled", label, actor, when);
    }
    for (const label of wanted.filter((l) => !issue.labels.includes(l))) {
      this.recordLabelEvent(issue, "labeled", label, actor, when);
    }
    issue.labels = wanted;
  }

  private recordLabelEvent(
    issue: IssueModel,
    kind: "labeled" | "unlabeled",
    label: LabelModel,
    actor: UserModel,
    at?: string,
  ): void {
    const id = this.next("event");
    issue.events.push({
      kind,
      id,
      nodeId: nodeId(kind === "labeled" ? "LE" : "UNLE", `${kind}Event`, id),
      actor,
      createdAt: at ?? this.now(),
      label,
    });
  }

  /** Changes the title; a different title records a renamed event (not a body edit), as GitHub. */
  renameIssue(issue: IssueModel, title: string, actor: UserModel, at?: string): void {
    if (title === issue.title) return;
    const id = this.next("event");
    issue.events.push({
      kind: "renamed",
      id,
      nodeId: nodeId("RTE", "RenamedTitleEvent", id),
      actor,
      createdAt: at ?? this.now(),
      previousTitle: issue.title,
      currentTitle: title,
    });
    issue.title = title;
  }

  /**
   * Changes the body; a different body is an edit: a revision by `actor` (the first edit also
   * records the original body as the author's revision at creation), `lastEditedAt`, `editor`.
   */
  editIssueBody(issue: IssueModel, body: string | null, actor: UserModel, at?: string): void {
    if ((body ?? "") === (issue.body ?? "")) {
      issue.body = body;
      return;
    }
    const when = at ?? this.now();
    if (issue.userContentEdits.length === 0) {
      issue.userContentEdits.push(this.contentEdit(issue.author, issue.createdAt, issue.body));
    }
    issue.userContentEdits.push(this.contentEdit(actor, when, body));
    issue.body = body;
    issue.lastEditedAt = when;
    issue.editor = actor;
  }

  private contentEdit(editor: UserModel, editedAt: string, body: string | null) {
    const id = this.next("edit");
    return { id, nodeId: nodeId("UCE", "UserContentEdit", id), editor, editedAt, body };
  }

  touch(issue: IssueModel, at?: string): void {
    issue.updatedAt = at ?? this.now();
  }

  setIssueState(
    issue: IssueModel,
    state: "open" | "closed",
    reason: IssueModel["stateReason"] | undefined,
    actor: UserModel,
  ): void {
    if (state === issue.state) {
      if (reason !== undefined && state === "closed") issue.stateReason = reason;
      return;
    }
    issue.state = state;
    if (state === "closed") {
      issue.closedAt = this.now();
      issue.closedBy = actor;
      issue.stateReason = reason ?? "completed";
    } else {
      issue.closedAt = null;
      issue.stateReason = "reopened";
    }
  }

  addComment(issue: IssueModel, author: UserModel, body: string): CommentModel {
    const id = this.next("comment");
    const now = this.now();
    const comment: CommentModel = {
      id,
      nodeId: nodeId("IC", "IssueComment", id),
      issue,
      body,
      author,
      createdAt: now,
      updatedAt: now,
    };
    issue.comments.push(comment);
    issue.updatedAt = now;
    this.nodes.set(comment.nodeId, comment);
    return comment;
  }

  /** Edits an issue comment in place (REST issues/update-comment, GraphQL updateIssueComment). */
  editComment(comment: CommentModel, body: string, at?: string): void {
    comment.body = body;
    comment.updatedAt = at ?? this.now();
  }

  /** Removes an issue comment (its node id no longer resolves). */
  deleteComment(comment: CommentModel): void {
    comment.issue.comments = comment.issue.comments.filter((c) => c !== comment);
    this.nodes.delete(comment.nodeId);
  }

  commentById(repo: RepoModel, id: number): CommentModel | undefined {
    for (const issue of repo.issues.values()) {
      const found = issue.comments.find((c) => c.id === id);
      if (found) return found;
    }
    return undefined;
  }

  // Pull requests --------------------------------------------------------------------------

  createPull(
    repo: RepoModel,
    input: {
      title: string;
      body?: string | null;
      author: UserModel;
      head: string;
      base: string;
      headSha: string;
      baseSha: string;
      draft?: boolean;
      commits?: number;
    },
  ): IssueModel {
    const issue = this.createIssue(repo, {
      title: input.title,
      body: input.body ?? null,
      author: input.author,
    });
    this.nodes.delete(issue.nodeId);
    const pullId = this.next("pull");
    issue.nodeId = nodeId("PR", "PullRequest", pullId);
    this.nodes.set(issue.nodeId, issue);
    issue.pull = {
      id: pullId,
      nodeId: issue.nodeId,
      head: input.head,
      base: input.base,
      headSha: input.headSha,
      baseSha: input.baseSha,
      draft: input.draft ?? false,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      commits: input.commits ?? 1,
      additions: 0,
      deletions: 0,
      changedFiles: 0,
      mergeable: "UNKNOWN",
      mergeStateStatus: "UNKNOWN",
      forced: {},
      autoMerge: null,
      reviews: [],
    };
    return issue;
  }

  /**
   * Adds a review (PENDING when `state` is), with its inline comments; a submitted one bumps
   * the pull request's `updatedAt`. Validation is the caller's (see reviews.ts).
   */
  createReview(
    issue: IssueModel,
    input: {
      author: UserModel;
      body: string;
      state: ReviewState;
      commitId: string;
      comments: Omit<
        ReviewCommentModel,
        "id" | "nodeId" | "review" | "createdAt" | "updatedAt" | "commitId"
      >[];
    },
  ): ReviewModel {
    const pull = issue.pull;
    if (!pull) throw new Error(`#${issue.number} is not a pull request`);
    const id = this.next("review");
    const now = this.now();
    const review: ReviewModel = {
      id,
      nodeId: nodeId("PRR", "PullRequestReview", id),
      issue,
      author: input.author,
      body: input.body,
      state: input.state,
      commitId: input.commitId,
      createdAt: now,
      submittedAt: null,
      comments: [],
    };
    for (const comment of input.comments) {
      const commentId = this.next("reviewComment");
      review.comments.push({
        ...comment,
        id: commentId,
        nodeId: nodeId("PRRC", "PullRequestReviewComment", commentId),
        review,
        commitId: input.commitId,
        createdAt: now,
        updatedAt: now,
      });
    }
    pull.reviews.push(review);
    if (input.state !== "PENDING") this.submitReview(review, input.state, undefined, now);
    return review;
  }

  /** Submits a pending review (new state, maybe a new body); bumps the pull request's updatedAt. */
  submitReview(
    review: ReviewModel,
    state: Exclude<ReviewState, "PENDING">,
    body?: string,
    at?: string,
  ): void {
    const when = at ?? this.now();
    review.state = state;
    if (body !== undefined) review.body = body;
    review.submittedAt = when;
    for (const comment of review.comments) comment.updatedAt = when;
    this.touch(review.issue, when);
  }

  /** Adds or moves a branch of a repository without a git directory (a new fake commit). */
  setBranch(owner: string, name: string, branch: string, sha?: string): string {
    const repo = this.requireRepo(owner, name);
    const value = sha ?? fakeSha(`${branch}:${this.clock.nowMs()}`);
    repo.branches.set(branch, value);
    return value;
  }

  // Checks ---------------------------------------------------------------------------------

  /** Marks `names` as required status checks of `branch` (which becomes protected). */
  setRequiredChecks(owner: string, name: string, branch: string, names: string[]): void {
    const repo = this.requireRepo(owner, name);
    repo.protectedBranches.add(branch);
    repo.requiredChecks.set(branch, [...new Set(names)]);
  }

  addCheckRun(owner: string, name: string, seed: CheckRunSeed): CheckRunModel {
    const repo = this.requireRepo(owner, name);
    const id = this.next("checkRun");
    const now = this.now();
    const run: CheckRunModel = {
      id,
      nodeId: nodeId("CR", "CheckRun", id),
      headSha: seed.headSha,
      name: seed.name,
      status: "queued",
      conclusion: null,
      output: { title: null, summary: null, text: null },
      detailsUrl: seed.detailsUrl ?? null,
      startedAt: now,
      completedAt: null,
    };
    this.applyCheckRun(run, seed);
    repo.checkRuns.set(id, run);
    if (seed.required) {
      const current = repo.requiredChecks.get(repo.defaultBranch) ?? [];
      this.setRequiredChecks(owner, name, repo.defaultBranch, [...current, seed.name]);
    }
    return run;
  }

  updateCheckRun(
    owner: string,
    name: string,
    id: number,
    changes: Partial<Omit<CheckRunSeed, "headSha" | "name" | "required">>,
  ): CheckRunModel {
    const run = this.requireRepo(owner, name).checkRuns.get(id);
    if (!run) throw new Error(`No check run ${id} in ${owner}/${name}`);
    this.applyCheckRun(run, changes);
    return run;
  }

  private applyCheckRun(run: CheckRunModel, changes: Partial<CheckRunSeed>): void {
    // As on GitHub, giving a conclusion completes the run.
    const status =
      changes.conclusion !== undefined && changes.conclusion !== null
        ? "completed"
        : (changes.status ?? run.status);
    const conclusion = status === "completed" ? (changes.conclusion ?? run.conclusion) : null;
    if (status === "completed" && !conclusion) {
      throw new Error(`Check run "${run.name}": a completed run needs a conclusion`);
    }
    if (status === "completed" && run.status !== "completed") run.completedAt = this.now();
    if (status !== "completed") run.completedAt = null;
    run.status = status;
    run.conclusion = conclusion;
    if (changes.output) run.output = { ...run.output, ...changes.output };
    if (changes.detailsUrl !== undefined) run.detailsUrl = changes.detailsUrl;
  }

  /** The most recent check run of each name on a commit. */
  latestCheckRuns(repo: RepoModel, sha: string): CheckRunModel[] {
    const latest = new Map<string, CheckRunModel>();
    for (const run of repo.checkRuns.values()) {
      if (run.headSha !== sha) continue;
      const seen = latest.get(run.name);
      if (!seen || seen.id < run.id) latest.set(run.name, run);
    }
    return [...latest.values()];
  }

  // Actions --------------------------------------------------------------------------------

  addWorkflowRun(owner: string, name: string, run: WorkflowRunSeed): void {
    const repo = this.requireRepo(owner, name);
    const now = this.now();
    repo.workflowRuns.set(run.id, { ...run, createdAt: now, updatedAt: now });
  }

  addWorkflow(owner: string, name: string, workflow: WorkflowSeed): Required<WorkflowSeed> {
    const repo = this.requireRepo(owner, name);
    const id = workflow.id ?? 160_000 + repo.workflows.size + 1;
    const added = {
      id,
      file: workflow.file,
      name: workflow.name ?? workflow.file.replace(/\.ya?ml$/, ""),
      dispatchable: workflow.dispatchable ?? true,
    };
    repo.workflows.set(id, added);
    return added;
  }

  addRunner(owner: string, name: string, runner: RunnerSeed): void {
    const repo = this.requireRepo(owner, name);
    repo.runners.push({
      id: runner.id ?? repo.runners.length + 1,
      name: runner.name,
      os: runner.os ?? "Linux",
      status: runner.status ?? "online",
      busy: runner.busy ?? false,
      labels: runner.labels ?? ["self-hosted", "Linux", "X64"],
    });
  }
}
