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

/** A workflow file of a repository at a ref: what a `workflow_dispatch` names. */
export interface WorkflowAtRef {
  repo: RepoRef;
  /** The file name under .github/workflows, like `goals.yml`. */
  file: string;
  /** The ref the run's workflow file came from, like `refs/heads/main`. */
  ref: string;
}

/**
 * The workflow this job's run was started from, read from GITHUB_WORKFLOW_REF
 * (`owner/repo/.github/workflows/goals.yml@refs/heads/main`). Inside a reusable workflow it
 * names the caller, not the reusable workflow: the github context, and so this variable, is
 * always the caller's. Null outside Actions or when the value cannot be read.
 */
export function runWorkflow(env: NodeJS.ProcessEnv): WorkflowAtRef | null {
  const match = /^([^/\s]+)\/([^/\s]+)\/\.github\/workflows\/([^/@\s]+)@(\S+)$/.exec(
    env.GITHUB_WORKFLOW_REF ?? "",
  );
  if (!match) return null;
  const [, owner = "", repo = "", file = "", ref = ""] = match;
  return { repo: { owner, repo }, file, ref };
}
