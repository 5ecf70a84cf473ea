// REST: repository labels and the labels on an issue.
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
import type { IssueModel, LabelModel, RepoModel } from "./state.js";

const COLOR = /^[0-9a-fA-F]{6}$/;

/** The label name from the path (the contract checker already URL-decoded it). */
function nameParam(ctx: RestContext): string {
  return ctx.params.name ?? "";
}

function labelOf(ctx: RestContext, repo: RepoModel): LabelModel {
  const label = ctx.state.findLabel(repo, nameParam(ctx));
  if (!label) throw new ApiError(404, "Not Found");
  return label;
}

function checkColor(color: unknown) {
  if (color !== undefined && !COLOR.test(String(color).replace(/^#/, ""))) {
    throw validationFailed([{ resource: "Label", code: "invalid", field: "color" }]);
  }
}

function listForRepo(ctx: RestContext) {
  const repo = repoOf(ctx);
  return paginate(ctx, repo.labels, (label) => ctx.render.label(repo, label));
}

function createLabel(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const name = String(ctx.body?.name ?? "").trim();
  if (name === "")
    throw validationFailed([{ resource: "Label", code: "missing_field", field: "name" }]);
  checkLength("Label", "name", name);
  if (ctx.state.findLabel(repo, name)) {
    throw validationFailed([{ resource: "Label", code: "already_exists", field: "name" }]);
  }
  checkColor(ctx.body.color);
  checkLength("Label", "description", ctx.body.description);
  const label = ctx.state.createLabel(repo, {
    name,
    color: ctx.body.color,
    description: ctx.body.description ?? null,
  });
  return ok(ctx.render.label(repo, label), 201);
}

function getLabel(ctx: RestContext) {
  const repo = repoOf(ctx);
  return ok(ctx.render.label(repo, labelOf(ctx, repo)));
}

function updateLabel(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const label = labelOf(ctx, repo);
  const body = ctx.body ?? {};
  if (body.new_name !== undefined) {
    checkLength("Label", "name", String(body.new_name));
    const other = ctx.state.findLabel(repo, body.new_name);
    if (other && other !== label) {
      throw validationFailed([{ resource: "Label", code: "already_exists", field: "name" }]);
    }
    label.name = String(body.new_name);
  }
  checkColor(body.color);
  checkLength("Label", "description", body.description);
  if (body.color !== undefined) label.color = String(body.color).replace(/^#/, "").toLowerCase();
  if (body.description !== undefined) label.description = body.description;
  return ok(ctx.render.label(repo, label));
}

function deleteLabel(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  ctx.state.deleteLabel(repo, labelOf(ctx, repo));
  return { status: 204 };
}

function issueLabels(ctx: RestContext, issue: IssueModel) {
  return ok(issue.labels.map((label) => ctx.render.label(issue.repo, label)));
}

/** set-labels / add-labels accept `{labels: [...]}`, a bare array, or a single string. */
function bodyLabels(body: unknown): string[] {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    return labelNames((body as { labels?: unknown }).labels);
  }
  return labelNames(body);
}

function listOnIssue(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  return paginate(ctx, issue.labels, (label) => ctx.render.label(repo, label));
}

function setLabels(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = issueOf(ctx, repo);
  const at = ctx.state.now();
  ctx.state.setIssueLabels(issue, bodyLabels(ctx.body), ctx.viewer, at);
  ctx.state.touch(issue, at);
  return issueLabels(ctx, issue);
}

function addLabels(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = issueOf(ctx, repo);
  const at = ctx.state.now();
  for (const name of bodyLabels(ctx.body)) ctx.state.addLabelToIssue(issue, name, ctx.viewer, at);
  ctx.state.touch(issue, at);
  return issueLabels(ctx, issue);
}

function removeLabel(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = issueOf(ctx, repo);
  const name = nameParam(ctx).toLowerCase();
  const label = issue.labels.find((l) => l.name.toLowerCase() === name);
  if (!label) throw new ApiError(404, "Label does not exist");
  const at = ctx.state.now();
  ctx.state.removeLabelFromIssue(issue, label, ctx.viewer, at);
  ctx.state.touch(issue, at);
  return issueLabels(ctx, issue);
}

function removeAll(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = issueOf(ctx, repo);
  const at = ctx.state.now();
  ctx.state.setIssueLabels(issue, [], ctx.viewer, at);
  ctx.state.touch(issue, at);
  return { status: 204 };
}

export const labelHandlers: Record<string, RestHandler> = {
  "issues/list-labels-for-repo": listForRepo,
  "issues/create-label": createLabel,
  "issues/get-label": getLabel,
  "issues/update-label": updateLabel,
  "issues/delete-label": deleteLabel,
  "issues/list-labels-on-issue": listOnIssue,
  "issues/set-labels": setLabels,
  "issues/add-labels": addLabels,
  "issues/remove-label": removeLabel,
  "issues/remove-all-labels": removeAll,
};
