import * as core from "@actions/core";
import { UserError } from "../core/errors.js";
import { parseRepo, type RepoRef } from "../core/issue-ref.js";

/** The token input, masked at once so no later log line can show it. */
export function tokenInput(): string {
  const token = core.getInput("token");
  if (!token) {
    throw new UserError(
      'Input "token" is empty: pass a token that can write issues (the default is the workflow\'s GITHUB_TOKEN).',
    );
  }
  core.setSecret(token);
  return token;
}

/** The repository input, or the workflow's own repository. */
export function repositoryInput(): RepoRef {
  const text = core.getInput("repository") || process.env.GITHUB_REPOSITORY || "";
  if (!text)
    throw new UserError(
      'Input "repository" is empty and GITHUB_REPOSITORY is not set: use owner/name.',
    );
  try {
    return parseRepo(text);
  } catch (error) {
    throw new UserError(
      `Input "repository": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Runs an action's main function; any error fails the step with a message a person can act on. */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
