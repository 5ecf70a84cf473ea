// REST: issues (create, get, update, list for a repository, list an issue's events).
import {
  ApiError,
  checkLength,
  issueOf,
  labelNames,
  ok,
  paginate,
  type RestContext,
  type RestHandler,
  repoOf,
  validationFailed,
} from "./rest-common.js";
import type { IssueModel } from "./state.js";

function create(ctx: RestContext) {
  const repo = repoOf(ctx);
  const title = ctx.body?.title;
  if (title === undefined || String(title).trim() === "") {
    throw validationFailed([{ resource: "Issue", code: "missing_field", field: "title" }]);
  }
  checkLength("Issue", "title", String(title));
  checkLength("Issue", "body", ctx.body.body);
  // Without push access GitHub silently drops labels on a new issue.
  const pushing = ctx.state.can(repo, ctx.viewer, "write");
  const issue = ctx.state.createIssue(repo, {
    title: String(title),
    body: ctx.body.body ?? null,
    author: ctx.viewer,
    labels: pushing ? labelNames(ctx.body.labels) : [],
  });
  if (pushing)
    setAssignees(ctx, issue, ctx.body.assignees ?? (ctx.body.assignee ? [ctx.body.assignee] : []));
  return ok(ctx.render.issue(issue), 201, {
    location: `${ctx.render.repoApi(repo)}/issues/${issue.number}`,
  });
}

function setAssignees(ctx: RestContext, issue: IssueModel, logins: string[]) {
  issue.assignees = logins
    .map((login) => ctx.state.userByLogin(login))
    .filter((u) => u !== undefined);
}

function get(ctx: RestContext) {
  const repo = repoOf(ctx);
  return ok(ctx.render.issue(issueOf(ctx, repo)));
}

function update(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  const body = ctx.body ?? {};
  const pushing = ctx.state.can(repo, ctx.viewer, "write");
  if (!pushing && issue.author !== ctx.viewer) {
    throw new ApiError(403, "Resource not accessible by personal access token");
  }
  if (body.title !== undefined) {
    if (String(body.title).trim() === "") {
      throw validationFailed([{ resource: "Issue", code: "missing_field", field: "title" }]);
    }
    checkLength("Issue", "title", String(body.title));
  }
  checkLength("Issue", "body", body.body);
  // One moment for everything this request changes (events, edit, updatedAt).
  const at = ctx.state.now();
  if (body.title !== undefined) ctx.state.renameIssue(issue, String(body.title), ctx.viewer, at);
  if (body.body !== undefined) ctx.state.editIssueBody(issue, body.body, ctx.viewer, at);
  if (body.state !== undefined) {
    ctx.state.setIssueState(issue, body.state, body.state_reason ?? undefined, ctx.viewer);
  } else if (body.state_reason !== undefined && issue.state === "closed" && body.state_reason) {
    issue.stateReason = body.state_reason;
  }
  if (pushing && body.labels !== undefined) {
    ctx.state.setIssueLabels(issue, labelNames(body.labels), ctx.viewer, at);
  }
  if (pushing && body.assignees !== undefined) setAssignees(ctx, issue, body.assignees);
  ctx.state.touch(issue, at);
  return ok(ctx.render.issue(issue));
}

function listForRepo(ctx: RestContext) {
  const repo = repoOf(ctx);
  const q = ctx.query;
  const state = q.get("state") ?? "open";
  const wanted = (q.get("labels") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const since = q.get("since");
  const creator = q.get("creator")?.toLowerCase();
  const assignee = q.get("assignee")?.toLowerCase();
  let issues = [...repo.issues.values()].filter((issue) => {
    if (state !== "all" && issue.state !== state) return false;
    const names = issue.labels.map((l) => l.name.toLowerCase());
    if (!wanted.every((w) => names.includes(w))) return false;
    if (since && Date.parse(issue.updatedAt) < Date.parse(since)) return false;
    if (creator && issue.author.login.toLowerCase() !== creator) return false;
    if (assignee === "none" && issue.assignees.length > 0) return false;
    if (assignee && assignee !== "none" && assignee !== "*") {
      if (!issue.assignees.some((u) => u.login.toLowerCase() === assignee)) return false;
    }
    if (assignee === "*" && issue.assignees.length === 0) return false;
    return true;
  });
  const sort = q.get("sort") ?? "created";
  const key = (issue: IssueModel): number =>
    sort === "updated"
      ? Date.parse(issue.updatedAt)
      : sort === "comments"
        ? issue.comments.length
        : issue.number;
  const direction = q.get("direction") === "asc" ? 1 : -1;
  issues = issues.sort((a, b) => (key(a) - key(b) || a.number - b.number) * direction);
  return paginate(ctx, issues, (issue) => ctx.render.issue(issue));
}

/** The issue's events, oldest first (only labeled, unlabeled and renamed are modelled). */
function listEvents(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  return paginate(ctx, issue.events, (event) => ctx.render.issueEvent(issue, event));
}

export const issueHandlers: Record<string, RestHandler> = {
  "issues/create": create,
  "issues/get": get,
  "issues/update": update,
  "issues/list-for-repo": listForRepo,
  "issues/list-events": listEvents,
};
