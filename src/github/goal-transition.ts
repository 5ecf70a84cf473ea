/**
 * A goal's move from one state to another on GitHub (GoalStore.transition): its label set and
 * the comment that says why, in the order that survives a crash between the two.
 */
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import type { TransitionRequest } from "../core/ports.js";
import { assertTransition, stateFromLabels, stateLabel, withState } from "../core/states.js";
import type { GitHubClient } from "./client.js";
import { ConflictError, explainGitHubError, isStatus, NotFoundError } from "./errors.js";
import { markedComment, moveComment, withMove } from "./marked-comment.js";

/**
 * Comments why (with the marker), then leaves exactly one state label; a move to running goes
 * label first. `viewer`: the account the client writes as, whose claim comment a result may
 * be added to. Returns the state the goal left.
 */
export async function transitionGoal(
  client: GitHubClient,
  repo: RepoRef,
  viewer: string,
  number: number,
  request: TransitionRequest,
) {
  const where = { owner: repo.owner, repo: repo.repo };
  const doing = `moving #${number} to ${stateLabel(request.to)}`;
  const issue = await client.rest.issues
    .get({ ...where, issue_number: number })
    .then((response) => response.data)
    .catch((error) => {
      throw explainGitHubError(error, doing);
    });
  if (issue.pull_request) {
    throw new NotFoundError(`#${number} in ${formatRepo(repo)} is a pull request, not a goal.`);
  }
  const labels = issue.labels.map((label) =>
    typeof label === "string" ? label : (label.name ?? ""),
  );
  const current = stateFromLabels(labels);
  if (request.expectedFrom !== undefined && current.state !== request.expectedFrom) {
    throw new ConflictError(
      `Goal #${number} is ${current.state ? stateLabel(current.state) : "without a state label"}, not ${
        request.expectedFrom ? stateLabel(request.expectedFrom) : "without a state label"
      }; someone changed it first. Nothing was done.`,
    );
  }
  const changes = current.state !== request.to || current.conflicting.length > 0;
  if (changes) assertTransition(current.state, request.to);
  const setLabel = async () => {
    if (!changes) return;
    // One request replaces the whole label set, so no moment shows two state labels.
    await client.rest.issues
      .setLabels({ ...where, issue_number: number, labels: withState(labels, request.to) })
      .catch((error) => {
        throw explainGitHubError(error, doing);
      });
  };
  const writeMarkers = async () => {
    const extra = request.marker ? [request.marker] : [];
    if (!changes && extra.length === 0) return;
    if (changes && request.appendTo && sameAccount(request.appendTo.comment.author, viewer)) {
      const { comment, at } = request.appendTo;
      const move = { from: current.state, to: request.to, reason: request.reason, extra };
      const body = withMove(comment.body, move, at);
      if (body !== null && (await editComment(client, repo, comment.commentId, body))) return;
    }
    const text = changes
      ? moveComment(current.state, request.to, request.reason, extra)
      : markedComment(request.reason, extra);
    await postComment(client, repo, number, text);
  };
  // A result and its move are written before the label, so a crash between the two leaves a
  // record the reconciler completes (core/attempts.ts recordedMove), never a label without
  // its reason. A claim's move to running goes label first: until the label is there, the
  // claim has not become a run and the next cycle withdraws it (core/attempts.ts unrunClaims).
  if (request.to === "running") {
    await setLabel();
    await writeMarkers();
  } else {
    await writeMarkers();
    await setLabel();
  }
  return { from: current.state };
}

/** Whether two logins are one account (GraphQL drops bots' `[bot]`, REST keeps it). */
function sameAccount(login: string, other: string): boolean {
  const plain = (name: string) => name.toLowerCase().replace(/\[bot\]$/, "");
  return plain(login) === plain(other);
}

/**
 * Replaces one of our comments' body; false when the comment is gone or the edit is refused
 * (the caller posts a new comment instead), so a result is never lost to a deleted comment.
 */
async function editComment(
  client: GitHubClient,
  repo: RepoRef,
  commentId: number,
  body: string,
): Promise<boolean> {
  try {
    await client.rest.issues.updateComment({
      owner: repo.owner,
      repo: repo.repo,
      comment_id: commentId,
      body,
    });
    return true;
  } catch (error) {
    if (isStatus(error, 404) || isStatus(error, 403) || isStatus(error, 410)) return false;
    throw explainGitHubError(error, `editing comment ${commentId}`);
  }
}

/** One REST comment on issue `number`: its id and node id. */
export async function postComment(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  body: string,
): Promise<{ id: number; nodeId: string }> {
  try {
    const { data } = await client.rest.issues.createComment({
      owner: repo.owner,
      repo: repo.repo,
      issue_number: number,
      body,
    });
    return { id: data.id, nodeId: data.node_id };
  } catch (error) {
    throw explainGitHubError(error, `commenting on #${number}`);
  }
}
