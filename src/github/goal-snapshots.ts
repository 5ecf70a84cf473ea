/**
 * A goal as the flows see it (GoalSnapshot) from a GraphQL goal node: its state from the
 * labels, its markers from trusted authors' comments, every comment read when GraphQL's
 * window holds only the latest.
 */
import type { RepoRef } from "../core/issue-ref.js";
import { trustedMarkers } from "../core/markers.js";
import type { GoalSnapshot } from "../core/ports.js";
import { stateFromLabels } from "../core/states.js";
import { type GitHubClient, MAX_PAGE_SIZE } from "./client.js";
import { actorLogin } from "./graphql-read.js";
import type { GraphQLGoal } from "./queries.js";

/** A REST comment as the marker reader takes it; a deleted account reads as GitHub's "ghost". */
export function restComment(comment: {
  user?: { login: string } | null;
  body?: string;
  created_at: string;
}) {
  return {
    author: comment.user?.login ?? "ghost",
    body: comment.body ?? "",
    createdAt: comment.created_at,
  };
}

export async function goalSnapshot(
  client: GitHubClient,
  repo: RepoRef,
  node: GraphQLGoal,
  trustedAuthors: ReadonlySet<string>,
): Promise<GoalSnapshot> {
  let comments = node.comments.nodes.map((comment) => ({
    author: actorLogin(comment.author),
    body: comment.body,
    createdAt: comment.createdAt,
  }));
  if (node.comments.totalCount > comments.length) {
    // Busy conversations: markers may sit before the window GraphQL gave us.
    const all = await client.paginate(client.rest.issues.listComments, {
      owner: repo.owner,
      repo: repo.repo,
      issue_number: node.number,
      per_page: MAX_PAGE_SIZE,
    });
    comments = all.map(restComment);
  }
  const labels = node.labels.nodes.map((label) => label.name);
  return {
    ref: { ...repo, number: node.number },
    id: node.databaseId,
    nodeId: node.id,
    title: node.title,
    body: node.body,
    url: node.url,
    open: node.state === "OPEN",
    stateReason: node.stateReason,
    labels,
    state: stateFromLabels(labels).state,
    author: actorLogin(node.author),
    createdAt: node.createdAt,
    markers: trustedMarkers(comments, trustedAuthors),
  };
}
