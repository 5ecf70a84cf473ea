import { formatRepo, type RepoRef } from "./issue-ref.js";

/**
 * What the GitHub Actions runner's environment says about where a job runs. Every reader of
 * these variables goes through here, so an empty variable or a trailing slash (GitHub
 * Enterprise Server) is handled once.
 */

/** GITHUB_SERVER_URL without a trailing slash; github.com when unset or empty. */
export function serverUrl(env: NodeJS.ProcessEnv): string {
  return (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
}

/** The link to this workflow run, when the environment says which it is. */
export function workflowRunUrl(env: NodeJS.ProcessEnv): string | null {
  if (!env.GITHUB_RUN_ID || !env.GITHUB_REPOSITORY) return null;
  return `${serverUrl(env)}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

/** Where a repository is cloned from on this server. */
export function cloneUrl(env: NodeJS.ProcessEnv, repo: RepoRef): string {
  return `${serverUrl(env)}/${formatRepo(repo)}.git`;
}
