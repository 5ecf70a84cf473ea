/**
 * GraphQL reads as the goal store makes them: an issue or repository that does not exist is
 * an answer (null in the data), not a failure, and actors come back under their REST logins.
 */
import { GraphqlResponseError } from "@octokit/graphql";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import type { GitHubClient } from "./client.js";
import { explainGitHubError, NotFoundError } from "./errors.js";
import type { GraphQLActor } from "./queries.js";

/**
 * Runs a query. GitHub reports missing issues and repositories as NOT_FOUND errors beside
 * partial data; those return the partial data, any other failure is explained with `doing`.
 */
export async function readGraphql<T>(
  client: GitHubClient,
  query: string,
  variables: Record<string, unknown>,
  doing: string,
): Promise<T> {
  try {
    return await client.graphql<T>(query, variables);
  } catch (error) {
    if (error instanceof GraphqlResponseError && onlyNotFound(error)) {
      return (error.data ?? {}) as T;
    }
    throw explainGitHubError(error, doing);
  }
}

function onlyNotFound(error: GraphqlResponseError<unknown>): boolean {
  return error.errors?.every((entry) => (entry as { type?: string }).type === "NOT_FOUND") ?? false;
}

/** What a read says when the repository itself came back null. */
export function repositoryNotFound(repo: RepoRef): NotFoundError {
  return new NotFoundError(
    `Repository ${formatRepo(repo)} was not found, or the token cannot see it.`,
  );
}

/** GraphQL calls bots `name`; REST calls them `name[bot]`. Markers compare the REST form. */
export function actorLogin(actor: GraphQLActor | null): string {
  if (!actor) return "ghost";
  return actor.__typename === "Bot" && !actor.login.endsWith("[bot]")
    ? `${actor.login}[bot]`
    : actor.login;
}
