// REST objects for pull-request reviews (`pull-request-review`) and their inline comments
// (`review-comment`).
import type { Json, Renderer } from "./render.js";
import type { ReviewCommentModel, ReviewModel } from "./state.js";

export function renderReview(render: Renderer, review: ReviewModel): Json {
  const issue = review.issue;
  const repo = issue.repo;
  const html = `${render.repoHtml(repo)}/pull/${issue.number}#pullrequestreview-${review.id}`;
  const pullUrl = `${render.repoApi(repo)}/pulls/${issue.number}`;
  return {
    id: review.id,
    node_id: review.nodeId,
    user: render.user(review.author),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: render.authorAssociation(repo, review.author),
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    // As on GitHub, a pending review has no submitted_at.
    ...(review.submittedAt ? { submitted_at: review.submittedAt } : {}),
    commit_id: review.commitId,
  };
}

export function renderReviewComment(render: Renderer, comment: ReviewCommentModel): Json {
  const issue = comment.review.issue;
  const repo = issue.repo;
  const url = `${render.repoApi(repo)}/pulls/comments/${comment.id}`;
  const html = `${render.repoHtml(repo)}/pull/${issue.number}#discussion_r${comment.id}`;
  const pullUrl = `${render.repoApi(repo)}/pulls/${issue.number}`;
  return {
    url,
    pull_request_review_id: comment.review.id,
    id: comment.id,
    node_id: comment.nodeId,
    diff_hunk: comment.diffHunk,
    path: comment.path,
    position: comment.position,
    original_position: comment.position,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    user: render.user(comment.review.author),
    body: comment.body,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: render.authorAssociation(repo, comment.review.author),
    _links: { self: { href: url }, html: { href: html }, pull_request: { href: pullUrl } },
    start_line: comment.startLine,
    original_start_line: comment.startLine,
    start_side: comment.startSide,
    line: comment.line,
    original_line: comment.line,
    side: comment.side,
    subject_type: "line",
  };
}
