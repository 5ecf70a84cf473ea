import { UserError } from "../core/errors.js";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import { SETTINGS_FILE } from "../core/settings.js";
import { parseSettingsFile } from "../core/settings-yaml.js";
import type { GitHubClient } from "./client.js";
import { explainGitHubError, isStatus } from "./errors.js";

/**
 * The repository's `.github/goal-orchestrator.yml` on its default branch, parsed, or null when
 * there is none. A file the token may not read fails loudly (contents: read is needed): running
 * with other settings than the repository asks for would be worse than not running.
 */
export async function readRepositorySettings(
  client: GitHubClient,
  repo: RepoRef,
): Promise<Record<string, unknown> | null> {
  let data: Awaited<ReturnType<GitHubClient["rest"]["repos"]["getContent"]>>["data"];
  try {
    ({ data } = await client.rest.repos.getContent({
      owner: repo.owner,
      repo: repo.repo,
      path: SETTINGS_FILE,
    }));
  } catch (error) {
    if (isStatus(error, 404)) return null;
    throw explainGitHubError(
      error,
      `reading ${SETTINGS_FILE} in ${formatRepo(repo)} (the token needs contents: read)`,
    );
  }
  if (Array.isArray(data) || data.type !== "file" || !("content" in data)) {
    throw new UserError(`${SETTINGS_FILE} in ${formatRepo(repo)} is not a file.`);
  }
  return parseSettingsFile(Buffer.from(data.content, "base64").toString("utf8"));
}
