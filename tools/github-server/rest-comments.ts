// REST: issue comments.
import {
  ApiError,
  checkLength,
  issueOf,
  notFound,
  ok,
  paginate,
  type RestContext,
  type RestHandler,
  repoOf,
  validationFailed,
} from "./rest-common.js";
import type { CommentModel, RepoModel } from "./state.js";

function since(ctx: RestContext, comments: CommentModel[]): CommentModel[] {
  const value = ctx.query.get("since");
  return value ? comments.filter((c) => Date.parse(c.updatedAt) >= Date.parse(value)) : comments;
}

function commentOf(ctx: RestContext, repo: RepoModel): CommentModel {
  const comment = ctx.state.commentById(repo, Number(ctx.params.comment_id));
  if (!comment) throw notFound();
  return comment;
}

function requireBody(body: unknown): string {
  if (typeof body !== "string" || body === "") {
    throw validationFailed([{ resource: "IssueComment", code: "missing_field", field: "body" }]);
  }
  checkLength("IssueComment", "body", body);
  return body;
}

function list(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  return paginate(ctx, since(ctx, issue.comments), (c) => ctx.render.comment(c));
}

function listForRepo(ctx: RestContext) {
  const repo = repoOf(ctx);
  const all = [...repo.issues.values()].flatMap((issue) => issue.comments);
  all.sort((a, b) => a.id - b.id);
  if (ctx.query.get("direction") === "desc") all.reverse();
  return paginate(ctx, since(ctx, all), (c) => ctx.render.comment(c));
}

function create(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = issueOf(ctx, repo);
  const comment = ctx.state.addComment(issue, ctx.viewer, requireBody(ctx.body?.body));
  return ok(ctx.render.comment(comment), 201, {
    location: `${ctx.render.repoApi(repo)}/issues/comments/${comment.id}`,
  });
}

function get(ctx: RestContext) {
  const repo = repoOf(ctx);
  return ok(ctx.render.comment(commentOf(ctx, repo)));
}

function update(ctx: RestContext) {
  const repo = repoOf(ctx);
  const comment = commentOf(ctx, repo);
  if (comment.author !== ctx.viewer && !ctx.state.can(repo, ctx.viewer, "write")) {
    throw new ApiError(403, "Resource not accessible by personal access token");
  }
  ctx.state.editComment(comment, requireBody(ctx.body?.body));
  return ok(ctx.render.comment(comment));
}

function remove(ctx: RestContext) {
  const repo = repoOf(ctx);
  const comment = commentOf(ctx, repo);
  if (comment.author !== ctx.viewer && !ctx.state.can(repo, ctx.viewer, "write")) {
    throw new ApiError(403, "Resource not accessible by personal access token");
  }
  ctx.state.deleteComment(comment);
  return { status: 204 };
}

export const commentHandlers: Record<string, RestHandler> = {
  "issues/list-comments": list,
  "issues/list-comments-for-repo": listForRepo,
  "issues/create-comment": create,
  "issues/get-comment": get,
  "issues/update-comment": update,
  "issues/delete-comment": remove,
};
