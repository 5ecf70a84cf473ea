/**
 * Several comments in one GraphQL request of aliased `addComment` mutations, which GitHub runs
 * in order. A dispatch cycle's claims use it: one paced write for all of them, where a REST
 * comment each took one paced write each (a second apart in production). Each comment still
 * counts against GitHub's content-creation limit; the local server counts them one by one.
 */
import { GraphqlResponseError } from "@octokit/graphql";
import type { RecordedComment } from "../core/ports.js";
import type { GitHubClient } from "./client.js";
import { explainGitHubError } from "./errors.js";

export interface NewComment {
  /** The node id of the issue (or pull request) to comment on. */
  subjectId: string;
  body: string;
}

type Added = { commentEdge: { node: { id: string; databaseId: number } | null } | null } | null;

/**
 * Adds `comments` in their order. Each answer is the comment recorded, or null when GitHub
 * refused that one (its issue deleted, say) while the others stood. A request that fails as a
 * whole throws: then any of the comments may or may not exist.
 */
export async function addComments(
  client: GitHubClient,
  comments: readonly NewComment[],
  doing: string,
): Promise<Array<RecordedComment | null>> {
  // One request may never hold more than GitHub's 80 pieces of content a minute: a larger
  // `max` goes in several requests.
  const recorded: Array<RecordedComment | null> = [];
  for (let start = 0; start < comments.length; start += COMMENTS_PER_REQUEST) {
    recorded.push(
      ...(await addSome(client, comments.slice(start, start + COMMENTS_PER_REQUEST), doing)),
    );
  }
  return recorded;
}

/** Comments one request holds at most, well under the 80 a minute GitHub allows. */
const COMMENTS_PER_REQUEST = 50;

async function addSome(
  client: GitHubClient,
  comments: readonly NewComment[],
  doing: string,
): Promise<Array<RecordedComment | null>> {
  const declarations = comments.flatMap((_, index) => [
    `$subject${index}: ID!`,
    `$body${index}: String!`,
  ]);
  const fields = comments.map(
    (_, index) =>
      `comment${index}: addComment(input: {subjectId: $subject${index}, body: $body${index}}) { commentEdge { node { id databaseId } } }`,
  );
  const variables: Record<string, string> = {};
  comments.forEach((comment, index) => {
    variables[`subject${index}`] = comment.subjectId;
    variables[`body${index}`] = comment.body;
  });
  const document = `mutation AddComments(${declarations.join(", ")}) {\n  ${fields.join("\n  ")}\n}`;
  let data: Record<string, Added>;
  try {
    data = await client.graphql<Record<string, Added>>(document, variables);
  } catch (error) {
    // Errors on some of the aliases come with the data of the others.
    if (!(error instanceof GraphqlResponseError) || !error.data) {
      throw explainGitHubError(error, doing);
    }
    data = error.data as Record<string, Added>;
  }
  return comments.map((comment, index) => {
    const node = data[`comment${index}`]?.commentEdge?.node;
    return node ? { commentId: node.databaseId, nodeId: node.id, body: comment.body } : null;
  });
}
