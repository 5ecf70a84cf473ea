/**
 * A goal as the flows see it (GoalSnapshot) from a GraphQL goal node: its state from the
 * labels, its markers from trusted authors' comments, every comment read when GraphQL's
 * window holds only the latest.
 */
import type { RepoRef } from "../core/issue-ref.js";
import { type MarkerComment, trustedMarkers } from "../core/markers.js";
import type { ClaimComment, GoalSnapshot } from "../core/ports.js";
import { stateFromLabels } from "../core/states.js";
import { type GitHubClient, MAX_PAGE_SIZE } from "./client.js";
import { actorLogin } from "./graphql-read.js";
import type { GraphQLGoal } from "./queries.js";

/** A REST comment as the marker reader takes it; a deleted account reads as GitHub's "ghost". */
export function restComment(comment: {
  id: number;
  node_id: string;
  user?: { login: string } | null;
  body?: string;
  created_at: string;
  updated_at: string;
}): GoalComment {
  return {
    id: comment.id,
    nodeId: comment.node_id,
    author: comment.user?.login ?? "ghost",
    body: comment.body ?? "",
    createdAt: comment.created_at,
    updatedAt: comment.updated_at,
  };
}

type GoalComment = MarkerComment & { id: number; nodeId: string };

export async function goalSnapshot(
  client: GitHubClient,
  repo: RepoRef,
  node: GraphQLGoal,
  trustedAuthors: ReadonlySet<string>,
  /** Keep the claim comments (bodies and all): for a goal read on its own, not for listings. */
  withClaimComments = false,
): Promise<GoalSnapshot> {
  let comments: GoalComment[] = node.comments.nodes.map((comment) => ({
    id: comment.databaseId,
    nodeId: comment.id,
    author: actorLogin(comment.author),
    body: comment.body,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
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
    ...(withClaimComments ? { claimComments: claimComments(comments, trustedAuthors) } : {}),
  };
}

/** The trusted comments that hold a claim, with the attempt each claims, oldest first. */
function claimComments(
  comments: readonly GoalComment[],
  trustedAuthors: ReadonlySet<string>,
): ClaimComment[] {
  return comments.flatMap((comment) =>
    trustedMarkers([comment], trustedAuthors).flatMap((marker) =>
      marker.kind === "claim"
        ? [
            {
              attempt: marker.attempt,
              author: comment.author,
              commentId: comment.id,
              nodeId: comment.nodeId,
              body: comment.body,
            },
          ]
        : [],
    ),
  );
}
