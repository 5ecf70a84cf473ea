// REST: pull-request reviews (create, list, get, submit, delete pending) and their inline comments.
import { refreshPull } from "./pulls.js";
import { renderReview, renderReviewComment } from "./render-reviews.js";
import {
  notFound,
  ok,
  paginate,
  type RestContext,
  type RestHandler,
  repoOf,
} from "./rest-common.js";
import {
  type CommentInput,
  checkEvent,
  checkReviewLength,
  EVENT_STATE,
  placeComments,
  pullFiles,
  type ReviewEvent,
  reviewCommit,
  unprocessable,
} from "./reviews.js";
import type { IssueModel, ReviewModel } from "./state.js";

function pullOf(ctx: RestContext): IssueModel {
  const repo = repoOf(ctx);
  const issue = repo.issues.get(Number(ctx.params.pull_number));
  if (!issue?.pull) throw notFound();
  return issue;
}

/** Submitted reviews, and the viewer's own pending one: GitHub shows nobody else's. */
function visible(ctx: RestContext, issue: IssueModel): ReviewModel[] {
  return (issue.pull?.reviews ?? []).filter(
    (r) => r.state !== "PENDING" || r.author === ctx.viewer,
  );
}

function reviewOf(ctx: RestContext, issue: IssueModel): ReviewModel {
  const id = Number(ctx.params.review_id);
  const review = visible(ctx, issue).find((r) => r.id === id);
  if (!review) throw notFound();
  return review;
}

async function create(ctx: RestContext) {
  const issue = pullOf(ctx);
  const pull = issue.pull;
  if (!pull) throw notFound();
  const input = ctx.body ?? {};
  const event = input.event as ReviewEvent | undefined;
  const body = typeof input.body === "string" ? input.body : "";
  const comments: CommentInput[] = Array.isArray(input.comments) ? input.comments : [];
  checkReviewLength(body);
  if (event) checkEvent(issue, ctx.viewer, event, body, comments.length);
  if (pull.reviews.some((r) => r.state === "PENDING" && r.author === ctx.viewer)) {
    throw unprocessable("User can only have one pending review per pull request");
  }
  await refreshPull(issue);
  const commitId = await reviewCommit(issue, input.commit_id);
  const placed = placeComments(
    comments,
    comments.length > 0 ? await pullFiles(issue, commitId) : null,
  );
  const review = ctx.state.createReview(issue, {
    author: ctx.viewer,
    body,
    state: event ? EVENT_STATE[event] : "PENDING",
    commitId,
    comments: placed,
  });
  return ok(renderReview(ctx.render, review));
}

function list(ctx: RestContext) {
  const issue = pullOf(ctx);
  return paginate(ctx, visible(ctx, issue), (r) => renderReview(ctx.render, r));
}

function get(ctx: RestContext) {
  const issue = pullOf(ctx);
  return ok(renderReview(ctx.render, reviewOf(ctx, issue)));
}

function listComments(ctx: RestContext) {
  const issue = pullOf(ctx);
  const review = reviewOf(ctx, issue);
  return paginate(ctx, review.comments, (c) => renderReviewComment(ctx.render, c));
}

function submit(ctx: RestContext) {
  const issue = pullOf(ctx);
  const review = reviewOf(ctx, issue);
  if (review.state !== "PENDING") throw unprocessable("Can not submit a non-pending review");
  const input = ctx.body ?? {};
  const event = input.event as ReviewEvent;
  const body = typeof input.body === "string" ? input.body : review.body;
  checkReviewLength(body);
  checkEvent(issue, ctx.viewer, event, body, review.comments.length);
  ctx.state.submitReview(review, EVENT_STATE[event], body);
  return ok(renderReview(ctx.render, review));
}

function removePending(ctx: RestContext) {
  const issue = pullOf(ctx);
  const review = reviewOf(ctx, issue);
  const pull = issue.pull;
  if (!pull) throw notFound();
  if (review.state !== "PENDING") {
    throw unprocessable("Can not delete a non-pending pull request review");
  }
  pull.reviews = pull.reviews.filter((r) => r !== review);
  return ok(renderReview(ctx.render, review));
}

export const reviewHandlers: Record<string, RestHandler> = {
  "pulls/create-review": create,
  "pulls/list-reviews": list,
  "pulls/get-review": get,
  "pulls/list-comments-for-review": listComments,
  "pulls/submit-review": submit,
  "pulls/delete-pending-review": removePending,
};
