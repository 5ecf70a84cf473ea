import { RequestError } from "@octokit/request-error";
import { UserError } from "../core/errors.js";

/** The goal was not in the state the caller expected: someone else changed it first. */
export class ConflictError extends UserError {
  override name = "ConflictError";
}

/** An issue, story or repository that does not exist (or the token cannot see). */
export class NotFoundError extends UserError {
  override name = "NotFoundError";
}

/**
 * GitHub's error texts that decide what happens next, matched here only. GitHub documents none
 * of them: each is what it answers today, and the local test server answers the same.
 */
export const GITHUB_SAYS = {
  /** enablePullRequestAutoMerge: "Pull request is in clean status" (it could merge right now). */
  cleanStatus: /clean status/i,
  /** enablePullRequestAutoMerge: "Auto merge is not allowed for this repository". */
  autoMergeNotAllowed: /auto.?merge is not allowed/i,
  /** enablePullRequestAutoMerge: "Protected branch rules not configured for this branch". */
  noProtectionRules: /protected branch rules not configured/i,
  /** POST /pulls, 422: "A pull request already exists for owner:branch." */
  pullRequestExists: /already exists/i,
} as const;

export function isStatus(error: unknown, ...statuses: number[]): error is RequestError {
  return error instanceof RequestError && statuses.includes(error.status);
}

/**
 * Turns GitHub's answer into an error a person can act on: what we were doing, what GitHub
 * said, and what to change. Errors that are not GitHub's answer pass through unchanged.
 */
export function explainGitHubError(error: unknown, doing: string): unknown {
  if (!(error instanceof RequestError)) return error;
  const said = error.message.split(" - ")[0];
  if (!error.response) {
    // Octokit reports a failed connection as a 500 without a response.
    return new UserError(
      `Could not reach the GitHub API while ${doing} (${error.request.url}): ${error.message}. Check GITHUB_API_URL and the network.`,
    );
  }
  switch (error.status) {
    case 401:
      return new UserError(
        `GitHub rejected the token while ${doing} (401 ${said}). Set GITHUB_TOKEN or GH_TOKEN to a valid token.`,
      );
    case 403:
      return new UserError(
        `GitHub refused ${doing} (403 ${said}). The token needs read and write access to issues (and pull requests for the runner).`,
      );
    case 404:
      return new NotFoundError(
        `GitHub answered 404 while ${doing}: it does not exist, or the token cannot see it.`,
      );
    default:
      if (error.status < 500) return error;
      return new UserError(
        `GitHub answered ${error.status} ${said}${triesOf(error)} while ${doing} (${error.request.method} ${pathOf(error.request.url)}). That is GitHub's trouble, not this request's: the next run tries again.`,
      );
  }
}

/** " 4 times" when the retry plugin tried more than once, else "". */
function triesOf(error: RequestError): string {
  const retries = (error.request.request as { retryCount?: number } | undefined)?.retryCount ?? 0;
  return retries > 0 ? ` ${retries + 1} times` : "";
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/**
 * Runs one step of a longer flow so that a failure says which step it was and what GitHub
 * answered (a bare "Bad Gateway" says neither).
 */
export async function step<T>(doing: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const explained = explainGitHubError(error, doing);
    // Explained deeper down already (it says what was asked): say which step asked it too.
    if (explained === error && error instanceof UserError && !(error instanceof ConflictError)) {
      const wrapped = new UserError(
        `${doing[0]?.toUpperCase()}${doing.slice(1)}: ${error.message}`,
      );
      wrapped.cause = error;
      throw wrapped;
    }
    throw explained;
  }
}
