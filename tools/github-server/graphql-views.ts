// GraphQL "views": plain objects whose properties (values, or functions taking the field's
// arguments) graphql-js's default resolver reads. `__typename` picks the concrete type of an
// interface or union (Actor → User/Bot). A field a view lacks is reported as unimplemented.
import type {
  CommentModel,
  GitHubState,
  IssueEventModel,
  IssueModel,
  RepoModel,
  UserContentEditModel,
  UserModel,
} from "./state.js";

export type View = Record<string, unknown>;
type Args = Record<string, unknown>;

/** An error shaped like GitHub's (`type`), flagged when the client could not have avoided it. */
export class GitHubGraphQLError extends Error {
  constructor(
    readonly type: string,
    message: string,
    /** True when this answer reflects the data (not-found, refused mutation), not a bad request. */
    readonly legitimate: boolean,
  ) {
    super(message);
  }
}

export const VIEW = Symbol("github-server-view");

/** The `itemTypes` value (Issue/PullRequestTimelineItemsItemType) of each modelled event. */
const TIMELINE_TYPE: Record<IssueEventModel["kind"], string> = {
  labeled: "LABELED_EVENT",
  unlabeled: "UNLABELED_EVENT",
  renamed: "RENAMED_TITLE_EVENT",
};

function cursor(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString("base64");
}

function decodeCursor(value: unknown): number {
  const text = Buffer.from(String(value), "base64").toString();
  const match = /^cursor:v2:(\d+)$/.exec(text);
  if (!match) {
    throw new GitHubGraphQLError(
      "INVALID_CURSOR_ARGUMENTS",
      `\`${String(value)}\` does not appear to be a valid cursor.`,
      false,
    );
  }
  return Number(match[1]);
}

/**
 * A Relay connection over `items` with GitHub's pagination rules (first/last required, ≤ 100).
 * `skip` (timeline connections) drops that many items after the cursors, before first/last;
 * `filteredCount`/`pageCount` (timeline connections) count the items within the cursors and
 * those returned.
 */
export function connection<T>(field: string, items: T[], args: Args, map: (item: T) => View): View {
  const first = args.first as number | undefined | null;
  const last = args.last as number | undefined | null;
  if (first == null && last == null) {
    throw new GitHubGraphQLError(
      "MISSING_PAGINATION_BOUNDARIES",
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
      false,
    );
  }
  if (first != null && last != null) {
    throw new GitHubGraphQLError(
      "INVALID_PAGINATION",
      `Passing both \`first\` and \`last\` to paginate the \`${field}\` connection is not supported.`,
      false,
    );
  }
  for (const [name, value] of [
    ["first", first],
    ["last", last],
  ] as const) {
    if (value != null && (value < 0 || value > 100)) {
      throw new GitHubGraphQLError(
        "EXCESSIVE_PAGINATION",
        value < 0
          ? `\`${name}\` on the \`${field}\` connection cannot be less than zero.`
          : `Requesting ${value} records on the \`${field}\` connection exceeds the \`${name}\` limit of 100 records.`,
        false,
      );
    }
  }
  let start = 0;
  let end = items.length;
  if (args.after != null) start = Math.max(start, decodeCursor(args.after) + 1);
  if (args.before != null) end = Math.min(end, decodeCursor(args.before));
  const filteredCount = Math.max(end - start, 0);
  if (typeof args.skip === "number" && args.skip > 0) start = Math.min(end, start + args.skip);
  if (first != null) end = Math.min(end, start + first);
  else if (last != null) start = Math.max(start, end - last);
  const indices: number[] = [];
  for (let i = start; i < end; i++) indices.push(i);
  const nodes = indices.map((i) => map(items[i] as T));
  return {
    [VIEW]: true,
    __typename: `${field}Connection`,
    totalCount: items.length,
    filteredCount,
    pageCount: nodes.length,
    nodes,
    edges: indices.map((i, n) => ({ [VIEW]: true, cursor: cursor(i), node: nodes[n] })),
    pageInfo: {
      [VIEW]: true,
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: indices.length > 0 ? cursor(start) : null,
      endCursor: indices.length > 0 ? cursor(end - 1) : null,
    },
  };
}

export class Views {
  constructor(
    private readonly state: GitHubState,
    private readonly base: () => string,
  ) {}

  user(user: UserModel): View {
    const name = user.type === "Bot" ? user.login.replace(/\[bot\]$/, "") : user.login;
    const path = user.type === "Bot" ? `/apps/${encodeURIComponent(name)}` : `/${user.login}`;
    return {
      [VIEW]: true,
      __typename: user.type,
      id: user.nodeId,
      databaseId: user.id,
      // Like GitHub: REST says "name[bot]", GraphQL's Bot.login says "name".
      login: name,
      name: null,
      url: `${this.base()}${path}`,
      resourcePath: path,
      avatarUrl: () => `${this.base()}/avatars/u/${user.id}`,
      createdAt: user.createdAt,
      updatedAt: user.createdAt,
    };
  }

  repository(repo: RepoModel): View {
    const full = this.state.fullName(repo);
    return {
      [VIEW]: true,
      __typename: "Repository",
      id: repo.nodeId,
      databaseId: repo.id,
      name: repo.name,
      nameWithOwner: full,
      owner: this.user(repo.owner),
      url: `${this.base()}/${full}`,
      isPrivate: repo.private,
      visibility: repo.private ? "PRIVATE" : "PUBLIC",
      autoMergeAllowed: repo.allowAutoMerge,
      mergeCommitAllowed: true,
      squashMergeAllowed: true,
      rebaseMergeAllowed: true,
      defaultBranchRef: { [VIEW]: true, __typename: "Ref", name: repo.defaultBranch },
      createdAt: repo.createdAt,
      issue: (args: Args) => {
        const issue = repo.issues.get(Number(args.number));
        if (!issue || issue.pull) {
          throw new GitHubGraphQLError(
            "NOT_FOUND",
            `Could not resolve to an Issue with the number of ${String(args.number)}.`,
            true,
          );
        }
        return this.issue(issue);
      },
      pullRequest: (args: Args) => {
        const issue = repo.issues.get(Number(args.number));
        if (!issue?.pull) {
          throw new GitHubGraphQLError(
            "NOT_FOUND",
            `Could not resolve to a PullRequest with the number of ${String(args.number)}.`,
            true,
          );
        }
        return this.pullRequest(issue);
      },
      issueOrPullRequest: (args: Args) => {
        const issue = repo.issues.get(Number(args.number));
        if (!issue) {
          throw new GitHubGraphQLError(
            "NOT_FOUND",
            `Could not resolve to an issue or pull request with the number of ${String(args.number)}.`,
            true,
          );
        }
        return issue.pull ? this.pullRequest(issue) : this.issue(issue);
      },
      issues: (args: Args) => this.issues(repo, args),
      labels: (args: Args) => {
        const query = typeof args.query === "string" ? args.query.toLowerCase() : "";
        const labels = repo.labels.filter((l) => l.name.toLowerCase().includes(query));
        return connection("Label", labels, args, (l) => this.label(repo, l));
      },
      label: (args: Args) => {
        const label = this.state.findLabel(repo, String(args.name));
        return label ? this.label(repo, label) : null;
      },
    };
  }

  private issues(repo: RepoModel, args: Args): View {
    const filter = (args.filterBy ?? {}) as Args;
    const states = (args.states ?? filter.states) as string[] | undefined;
    const labels = ((args.labels ?? filter.labels) as string[] | undefined)?.map((l) =>
      l.toLowerCase(),
    );
    const createdBy = (filter.createdBy as string | undefined)?.toLowerCase();
    const since = filter.since as string | undefined;
    let items = [...repo.issues.values()].filter((issue) => {
      if (issue.pull) return false;
      if (states && !states.includes(issue.state.toUpperCase())) return false;
      // GraphQL's label filter matches issues carrying ANY of the labels.
      if (labels && !issue.labels.some((l) => labels.includes(l.name.toLowerCase()))) return false;
      if (createdBy && issue.author.login.toLowerCase() !== createdBy) return false;
      if (since && Date.parse(issue.updatedAt) < Date.parse(since)) return false;
      return true;
    });
    const order = (args.orderBy ?? { field: "CREATED_AT", direction: "ASC" }) as Args;
    const key = (i: IssueModel) =>
      order.field === "UPDATED_AT"
        ? Date.parse(i.updatedAt)
        : order.field === "COMMENTS"
          ? i.comments.length
          : i.number;
    const sign = order.direction === "DESC" ? -1 : 1;
    items = items.sort((a, b) => (key(a) - key(b) || a.number - b.number) * sign);
    return connection("Issue", items, args, (issue) => this.issue(issue));
  }

  label(repo: RepoModel, label: RepoModel["labels"][number]): View {
    return {
      [VIEW]: true,
      __typename: "Label",
      id: label.nodeId,
      name: label.name,
      color: label.color,
      description: label.description,
      isDefault: label.default,
      url: `${this.base()}/${this.state.fullName(repo)}/labels/${encodeURIComponent(label.name)}`,
    };
  }

  /** Fields Issue and PullRequest share. */
  private common(issue: IssueModel): View {
    const kind = issue.pull ? "pull" : "issues";
    return {
      [VIEW]: true,
      id: issue.nodeId,
      databaseId: issue.pull ? issue.pull.id : issue.id,
      fullDatabaseId: String(issue.pull ? issue.pull.id : issue.id),
      number: issue.number,
      title: issue.title,
      body: issue.body ?? "",
      bodyText: issue.body ?? "",
      url: `${this.base()}/${this.state.fullName(issue.repo)}/${kind}/${issue.number}`,
      resourcePath: `/${this.state.fullName(issue.repo)}/${kind}/${issue.number}`,
      createdAt: issue.createdAt,
      updatedAt: issue.updatedAt,
      publishedAt: issue.createdAt,
      closedAt: issue.closedAt,
      closed: issue.state === "closed",
      locked: issue.locked,
      author: this.user(issue.author),
      authorAssociation: issue.author === issue.repo.owner ? "OWNER" : "NONE",
      repository: () => this.repository(issue.repo),
      labels: (args: Args) =>
        connection("Label", issue.labels, args, (l) => this.label(issue.repo, l)),
      assignees: (args: Args) => connection("User", issue.assignees, args, (u) => this.user(u)),
      comments: (args: Args) => {
        const order = args.orderBy as Args | undefined;
        let comments = [...issue.comments];
        if (order?.field === "UPDATED_AT") {
          comments.sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.id - b.id);
        }
        if (order?.direction === "DESC") comments = comments.reverse();
        return connection("IssueComment", comments, args, (c) => this.issueComment(issue, c));
      },
      // Body edits (title renames are RenamedTitleEvents in the timeline instead).
      lastEditedAt: issue.lastEditedAt,
      editor: issue.editor ? this.user(issue.editor) : null,
      includesCreatedEdit: issue.userContentEdits.length > 0,
      // Newest first, as GitHub lists them; the last one is the creation once edited.
      userContentEdits: (args: Args) =>
        connection("UserContentEdit", [...issue.userContentEdits].reverse(), args, (e) =>
          this.userContentEdit(e),
        ),
      timelineItems: (args: Args) => this.timelineItems(issue, args),
    };
  }

  issueComment(issue: IssueModel, c: CommentModel): View {
    return {
      [VIEW]: true,
      __typename: "IssueComment",
      id: c.nodeId,
      databaseId: c.id,
      fullDatabaseId: String(c.id),
      body: c.body,
      bodyText: c.body,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      publishedAt: c.createdAt,
      lastEditedAt: c.updatedAt === c.createdAt ? null : c.updatedAt,
      author: this.user(c.author),
      authorAssociation: c.author === issue.repo.owner ? "OWNER" : "NONE",
      url: `${this.base()}/${this.state.fullName(issue.repo)}/issues/${issue.number}#issuecomment-${c.id}`,
      issue: () => this.issue(issue),
    };
  }

  private userContentEdit(edit: UserContentEditModel): View {
    return {
      [VIEW]: true,
      __typename: "UserContentEdit",
      id: edit.nodeId,
      createdAt: edit.editedAt,
      updatedAt: edit.editedAt,
      editedAt: edit.editedAt,
      editor: this.user(edit.editor),
      // GitHub's `diff` holds the full text of the revision.
      diff: edit.body ?? "",
      deletedAt: null,
      deletedBy: null,
    };
  }

  private timelineEvent(issue: IssueModel, event: IssueEventModel): View {
    const subject = () => (issue.pull ? this.pullRequest(issue) : this.issue(issue));
    const common = {
      [VIEW]: true,
      id: event.nodeId,
      createdAt: event.createdAt,
      actor: this.user(event.actor),
    };
    if (event.kind === "renamed") {
      return {
        ...common,
        __typename: "RenamedTitleEvent",
        previousTitle: event.previousTitle,
        currentTitle: event.currentTitle,
        subject,
      };
    }
    return {
      ...common,
      __typename: event.kind === "labeled" ? "LabeledEvent" : "UnlabeledEvent",
      label: this.label(issue.repo, event.label),
      labelable: subject,
    };
  }

  /**
   * The timeline, oldest first: the modelled events and the comments, filtered by `itemTypes`
   * (other item types match nothing) and `since` (items at or after it).
   */
  private timelineItems(issue: IssueModel, args: Args): View {
    const items: { type: string; at: string; view: () => View }[] = [
      ...issue.events.map((event) => ({
        type: TIMELINE_TYPE[event.kind],
        at: event.createdAt,
        view: () => this.timelineEvent(issue, event),
      })),
      ...issue.comments.map((comment) => ({
        type: "ISSUE_COMMENT",
        at: comment.createdAt,
        view: () => this.issueComment(issue, comment),
      })),
    ];
    items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)); // stable: ties keep record order
    const types = args.itemTypes as string[] | null | undefined;
    const since = args.since == null ? null : Date.parse(String(args.since));
    const selected = items.filter(
      (item) =>
        (!types || types.includes(item.type)) && (since === null || Date.parse(item.at) >= since),
    );
    const field = issue.pull ? "PullRequestTimelineItems" : "IssueTimelineItems";
    return {
      ...connection(field, selected, args, (item) => item.view()),
      updatedAt: issue.updatedAt,
    };
  }

  issue(issue: IssueModel): View {
    const done = issue.subIssues.filter((s) => s.state === "closed").length;
    return {
      ...this.common(issue),
      __typename: "Issue",
      state: issue.state.toUpperCase(),
      stateReason: () => issue.stateReason?.toUpperCase() ?? null,
      parent: () => (issue.parent ? this.issue(issue.parent) : null),
      subIssues: (args: Args) => connection("Issue", issue.subIssues, args, (s) => this.issue(s)),
      subIssuesSummary: {
        [VIEW]: true,
        total: issue.subIssues.length,
        completed: done,
        percentCompleted:
          issue.subIssues.length === 0 ? 0 : Math.floor((done * 100) / issue.subIssues.length),
      },
      trackedInIssues: (args: Args) => connection("Issue", [], args, (s) => this.issue(s)),
      trackedIssues: (args: Args) => connection("Issue", [], args, (s) => this.issue(s)),
    };
  }

  pullRequest(issue: IssueModel): View {
    const pull = issue.pull;
    if (!pull) throw new Error("not a pull request");
    return {
      ...this.common(issue),
      __typename: "PullRequest",
      state: pull.merged ? "MERGED" : issue.state.toUpperCase(),
      merged: pull.merged,
      mergedAt: pull.mergedAt,
      mergedBy: pull.mergedBy ? this.user(pull.mergedBy) : null,
      isDraft: pull.draft,
      headRefName: pull.head,
      baseRefName: pull.base,
      headRefOid: pull.headSha,
      baseRefOid: pull.baseSha,
      mergeable: pull.mergeable,
      mergeStateStatus: pull.mergeStateStatus,
      autoMergeRequest: pull.autoMerge
        ? {
            [VIEW]: true,
            __typename: "AutoMergeRequest",
            enabledAt: pull.autoMerge.enabledAt,
            enabledBy: this.user(pull.autoMerge.enabledBy),
            mergeMethod: pull.autoMerge.mergeMethod,
            authorEmail: null,
            commitBody: null,
            commitHeadline: null,
            pullRequest: () => this.pullRequest(issue),
          }
        : null,
      viewerCanEnableAutoMerge: issue.repo.allowAutoMerge,
      viewerCanDisableAutoMerge: pull.autoMerge !== null,
    };
  }

  /** The view for any node id the state knows (Query.node). */
  node(id: string): View | null {
    const model = this.state.nodes.get(id);
    if (!model) return null;
    if ("type" in model && "token" in model) return this.user(model);
    if ("issues" in model) return this.repository(model);
    if ("pull" in model) return model.pull ? this.pullRequest(model) : this.issue(model);
    return null;
  }
}
