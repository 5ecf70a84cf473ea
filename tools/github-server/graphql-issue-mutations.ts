// GraphQL mutations on issues and their comments: `updateIssue` (labels, title, body, state),
// `addComment` and `updateIssueComment`. They change the model through the same GitHubState
// functions as REST `issues/update`, `issues/set-labels` and `issues/update-comment`, so the
// timeline events, body revisions and `updatedAt` are recorded alike. Each mutation checks
// everything before it changes anything: a refused one changes nothing.

import { GitHubGraphQLError, VIEW, type View, type Views } from "./graphql-views.js";
import { MAX_LENGTH } from "./rest-common.js";
import type {
  CommentModel,
  GitHubState,
  IssueModel,
  LabelModel,
  RepoModel,
  UserModel,
} from "./state.js";

type Input = Record<string, unknown>;

/** The UpdateIssueInput fields the server applies; any other given field is a contract problem. */
const UPDATE_ISSUE_FIELDS = new Set([
  "id",
  "clientMutationId",
  "labelIds",
  "title",
  "body",
  "state",
]);

const notFound = (id: unknown) =>
  new GitHubGraphQLError(
    "NOT_FOUND",
    `Could not resolve to a node with the global id of '${String(id)}'`,
    true,
  );

/**
 * GitHub's refusal of a mutation the viewer lacks permission for. For an installation's bot
 * GitHub answers "Resource not accessible by integration" (seen in real answers); the user
 * wording is assumed.
 */
function forbidden(viewer: UserModel, mutation: string): GitHubGraphQLError {
  return new GitHubGraphQLError(
    "FORBIDDEN",
    viewer.type === "Bot"
      ? "Resource not accessible by integration"
      : `${viewer.login} does not have the correct permissions to execute \`${mutation}\``,
    true,
  );
}

const unprocessable = (message: string) => new GitHubGraphQLError("UNPROCESSABLE", message, true);

/** Refuses text longer than GitHub allows (REST's limits; GraphQL's wording assumed). */
function checkLength(field: "title" | "body", value: string): void {
  const max = MAX_LENGTH[field];
  if (value.length > max) {
    const name = field === "title" ? "Title" : "Body";
    throw unprocessable(`${name} is too long (maximum is ${max} characters)`);
  }
}

/** The issue (not pull request) a node id names, if the viewer can see it. */
function issueOf(state: GitHubState, viewer: UserModel, id: unknown): IssueModel {
  const model = state.nodes.get(String(id));
  if (
    !model ||
    !("pull" in model) ||
    model.pull ||
    model.repo.issues.get(model.number) !== model ||
    !state.can(model.repo, viewer, "read")
  ) {
    throw notFound(id);
  }
  return model;
}

/** The issue comment a node id names, if it still exists and the viewer can see it. */
function commentOf(state: GitHubState, viewer: UserModel, id: unknown): CommentModel {
  const model = state.nodes.get(String(id));
  if (
    !model ||
    !("issue" in model) ||
    !model.issue.comments.includes(model) ||
    !state.can(model.issue.repo, viewer, "read")
  ) {
    throw notFound(id);
  }
  return model;
}

function repoOfLabel(state: GitHubState, label: LabelModel): RepoModel | undefined {
  for (const repo of state.repos.values()) if (repo.labels.includes(label)) return repo;
  return undefined;
}

/** The labels `labelIds` names, each one of the issue's repository (wording of that error assumed). */
function labelsOf(state: GitHubState, viewer: UserModel, issue: IssueModel, ids: unknown[]) {
  return ids.map((id) => {
    const model = state.nodes.get(String(id));
    const repo = model && "color" in model ? repoOfLabel(state, model) : undefined;
    if (!model || !("color" in model) || !repo || !state.can(repo, viewer, "read")) {
      throw notFound(id);
    }
    if (repo !== issue.repo) {
      throw unprocessable(
        `Label '${model.name}' (${String(id)}) belongs to ${state.fullName(repo)}, not to ${state.fullName(issue.repo)}`,
      );
    }
    return model;
  });
}

export function issueMutations(state: GitHubState, views: Views, viewer: UserModel): View {
  return {
    /**
     * `labelIds` replaces the whole label set (REST issues/set-labels) and needs write access;
     * `title`, `body` and `state` need write access or authorship (REST issues/update).
     */
    updateIssue: (args: { input: Input }) => {
      const input = args.input;
      const given = (field: string) => input[field] !== undefined && input[field] !== null;
      const unsupported = Object.keys(input).filter(
        (field) => given(field) && !UPDATE_ISSUE_FIELDS.has(field),
      );
      if (unsupported.length > 0) {
        throw new GitHubGraphQLError(
          "NOT_IMPLEMENTED",
          `The local GitHub API test server does not implement UpdateIssueInput.${unsupported.join(", UpdateIssueInput.")}.`,
          false,
        );
      }
      const issue = issueOf(state, viewer, input.id);
      const pushing = state.can(issue.repo, viewer, "write");
      const editsText = given("title") || given("body") || given("state");
      if ((given("labelIds") && !pushing) || (editsText && !pushing && issue.author !== viewer)) {
        throw forbidden(viewer, "UpdateIssue");
      }
      const labels = given("labelIds")
        ? labelsOf(state, viewer, issue, input.labelIds as unknown[])
        : undefined;
      const title = given("title") ? String(input.title) : undefined;
      if (title !== undefined) {
        if (title.trim() === "") throw unprocessable("Title can't be blank");
        checkLength("title", title);
      }
      const body = given("body") ? String(input.body) : undefined;
      if (body !== undefined) checkLength("body", body);
      // One moment for everything this mutation changes (events, edit, updatedAt), as REST.
      const at = state.now();
      if (title !== undefined) state.renameIssue(issue, title, viewer, at);
      if (body !== undefined) state.editIssueBody(issue, body, viewer, at);
      if (given("state")) {
        const next = input.state === "CLOSED" ? "closed" : "open";
        state.setIssueState(issue, next, undefined, viewer);
      }
      if (labels) state.setIssueLabels(issue, labels, viewer, at);
      state.touch(issue, at);
      return {
        [VIEW]: true,
        clientMutationId: input.clientMutationId ?? null,
        actor: views.user(viewer),
        issue: views.issue(issue),
      };
    },
    /**
     * Comments on an issue or pull request, as REST issues/create-comment: anyone who can read
     * it. Its content counts against the content-creation limit (limits.ts, per alias).
     */
    addComment: (args: { input: Input }) => {
      const input = args.input;
      const model = state.nodes.get(String(input.subjectId));
      if (
        !model ||
        !("pull" in model) ||
        model.repo.issues.get(model.number) !== model ||
        !state.can(model.repo, viewer, "read")
      ) {
        throw notFound(input.subjectId);
      }
      const body = String(input.body ?? "");
      if (body.trim() === "") throw unprocessable("Body can't be blank");
      checkLength("body", body);
      const comment = state.addComment(model, viewer, body);
      const node = views.issueComment(model, comment);
      return {
        [VIEW]: true,
        clientMutationId: input.clientMutationId ?? null,
        commentEdge: {
          [VIEW]: true,
          cursor: Buffer.from(`cursor:v2:${comment.id}`).toString("base64"),
          node,
        },
        subject: model.pull ? views.pullRequest(model) : views.issue(model),
        timelineEdge: null,
      };
    },
    /** Edits a comment's body: its author, or anyone with write access (REST issues/update-comment). */
    updateIssueComment: (args: { input: Input }) => {
      const input = args.input;
      const comment = commentOf(state, viewer, input.id);
      if (comment.author !== viewer && !state.can(comment.issue.repo, viewer, "write")) {
        throw forbidden(viewer, "UpdateIssueComment");
      }
      const body = String(input.body);
      if (body === "") throw unprocessable("Body can't be blank");
      checkLength("body", body);
      state.editComment(comment, body);
      return {
        [VIEW]: true,
        clientMutationId: input.clientMutationId ?? null,
        issueComment: views.issueComment(comment.issue, comment),
      };
    },
  };
}
