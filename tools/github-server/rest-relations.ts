// REST: sub-issues (parent/child, by the child's id) and "blocked by" dependencies (by id).
import {
  ApiError,
  issueOf,
  notFound,
  ok,
  paginate,
  type RestContext,
  type RestHandler,
  repoOf,
  validationFailed,
} from "./rest-common.js";
import type { IssueModel } from "./state.js";

const MAX_SUB_ISSUES = 100;

function byId(ctx: RestContext, value: unknown): IssueModel {
  const issue = ctx.state.issueById(Number(value));
  if (!issue || !ctx.state.can(issue.repo, ctx.viewer, "read")) throw notFound();
  return issue;
}

function subIssueError(message: string) {
  return validationFailed(
    [{ resource: "Issue", code: "custom", field: "sub_issue_id", message }],
    `An error occurred while adding the sub-issue to the parent issue. ${message}`,
  );
}

function addSubIssue(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const parent = issueOf(ctx, repo);
  const child = byId(ctx, ctx.body?.sub_issue_id);
  if (child.repo.owner !== repo.owner) {
    throw subIssueError("Sub issue must belong to the same owner as the parent issue");
  }
  if (child === parent) throw subIssueError("Issue may not be a sub-issue of itself");
  if (parent.subIssues.includes(child)) {
    throw subIssueError("Issue may not contain duplicate sub-issues");
  }
  if (child.parent && !ctx.body.replace_parent) {
    throw subIssueError("Sub issue may only have one parent");
  }
  for (let up: IssueModel | null = parent; up; up = up.parent) {
    if (up === child) throw subIssueError("Sub issue cannot be an ancestor of the parent issue");
  }
  if (parent.subIssues.length >= MAX_SUB_ISSUES) {
    throw subIssueError(`Parent issue may not have more than ${MAX_SUB_ISSUES} sub-issues`);
  }
  if (child.parent) child.parent.subIssues = child.parent.subIssues.filter((s) => s !== child);
  child.parent = parent;
  parent.subIssues.push(child);
  ctx.state.touch(parent);
  return ok(ctx.render.issue(parent), 201, {
    location: `${ctx.render.repoApi(repo)}/issues/${parent.number}/sub_issues`,
  });
}

function removeSubIssue(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const parent = issueOf(ctx, repo);
  const child = byId(ctx, ctx.body?.sub_issue_id);
  if (child.parent !== parent) throw notFound();
  child.parent = null;
  parent.subIssues = parent.subIssues.filter((s) => s !== child);
  ctx.state.touch(parent);
  return ok(ctx.render.issue(parent));
}

function listSubIssues(ctx: RestContext) {
  const repo = repoOf(ctx);
  const parent = issueOf(ctx, repo);
  return paginate(ctx, parent.subIssues, (issue) => ctx.render.issue(issue));
}

function getParent(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  if (!issue.parent) throw notFound();
  return ok(ctx.render.issue(issue.parent));
}

function addBlockedBy(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = issueOf(ctx, repo);
  const blocker = byId(ctx, ctx.body?.issue_id);
  const fail = (message: string) =>
    validationFailed([{ resource: "IssueDependency", code: "custom", field: "issue_id", message }]);
  if (blocker === issue) throw fail("An issue cannot be blocked by itself");
  if (issue.blockedBy.includes(blocker)) throw fail("This dependency already exists");
  issue.blockedBy.push(blocker);
  ctx.state.touch(issue);
  return ok(ctx.render.issue(blocker), 201, {
    location: `${ctx.render.repoApi(repo)}/issues/${issue.number}/dependencies/blocked_by`,
  });
}

function removeBlockedBy(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = issueOf(ctx, repo);
  const blocker = byId(ctx, ctx.params.issue_id);
  if (!issue.blockedBy.includes(blocker)) throw new ApiError(404, "Not Found");
  issue.blockedBy = issue.blockedBy.filter((b) => b !== blocker);
  ctx.state.touch(issue);
  return ok(ctx.render.issue(blocker));
}

function listBlockedBy(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  return paginate(ctx, issue.blockedBy, (other) => ctx.render.issue(other));
}

function listBlocking(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  return paginate(ctx, ctx.state.blocking(issue), (other) => ctx.render.issue(other));
}

export const relationHandlers: Record<string, RestHandler> = {
  "issues/add-sub-issue": addSubIssue,
  "issues/remove-sub-issue": removeSubIssue,
  "issues/list-sub-issues": listSubIssues,
  "issues/get-parent": getParent,
  "issues/add-blocked-by-dependency": addBlockedBy,
  "issues/remove-dependency-blocked-by": removeBlockedBy,
  "issues/list-dependencies-blocked-by": listBlockedBy,
  "issues/list-dependencies-blocking": listBlocking,
};
