// Pull-request logic shared by REST, GraphQL and the server's test controls: resolving branches
// (real git when the repository has a gitDir, else the in-memory branch map), recomputing
// mergeability, and merging.
import * as git from "./git.js";
import { ApiError } from "./rest-common.js";
import {
  fakeSha,
  type GitHubState,
  type IssueModel,
  type RepoModel,
  type UserModel,
} from "./state.js";

export async function resolveBranch(repo: RepoModel, branch: string): Promise<string | null> {
  if (repo.gitDir) return git.branchSha(repo.gitDir, branch);
  return repo.branches.get(branch) ?? null;
}

/** Commits on head not on base (without git: 1 when the branches differ). */
export async function commitsAhead(
  repo: RepoModel,
  baseSha: string,
  headSha: string,
): Promise<number> {
  if (repo.gitDir) return git.commitsAhead(repo.gitDir, baseSha, headSha);
  return baseSha === headSha ? 0 : 1;
}

/** Recomputes SHAs, diff stats, `mergeable` and `mergeStateStatus` of an open pull request. */
export async function refreshPull(issue: IssueModel): Promise<void> {
  const pull = issue.pull;
  if (!pull) return;
  const repo = issue.repo;
  if (issue.state === "open" && !pull.merged) {
    pull.headSha = (await resolveBranch(repo, pull.head)) ?? pull.headSha;
    pull.baseSha = (await resolveBranch(repo, pull.base)) ?? pull.baseSha;
    let clean = true;
    if (repo.gitDir) {
      clean = await git.canMerge(repo.gitDir, pull.baseSha, pull.headSha);
      const stats = await git.diffStats(repo.gitDir, pull.baseSha, pull.headSha);
      pull.commits = await git.commitsAhead(repo.gitDir, pull.baseSha, pull.headSha);
      pull.additions = stats.additions;
      pull.deletions = stats.deletions;
      pull.changedFiles = stats.changedFiles;
    }
    pull.mergeable = clean ? "MERGEABLE" : "CONFLICTING";
    pull.mergeStateStatus = pull.draft
      ? "DRAFT"
      : !clean
        ? "DIRTY"
        : repo.protectedBranches.has(pull.base)
          ? "BLOCKED"
          : "CLEAN";
  }
  if (pull.forced.mergeable) pull.mergeable = pull.forced.mergeable;
  if (pull.forced.mergeStateStatus) pull.mergeStateStatus = pull.forced.mergeStateStatus;
}

export interface MergeOptions {
  method: "merge" | "squash" | "rebase";
  title?: string;
  message?: string;
  sha?: string;
  actor: UserModel;
}

const notMergeable = () => new ApiError(405, "Pull Request is not mergeable");

/** Merges like PUT /pulls/{n}/merge; throws GitHub's 405/409 errors. */
export async function mergePull(
  state: GitHubState,
  issue: IssueModel,
  options: MergeOptions,
): Promise<{ sha: string }> {
  const pull = issue.pull;
  if (!pull) throw new ApiError(404, "Not Found");
  if (pull.merged || issue.state === "closed") throw notMergeable();
  await refreshPull(issue);
  if (options.sha && options.sha !== pull.headSha) {
    throw new ApiError(409, "Head branch was modified. Review and try the merge again.");
  }
  if (pull.mergeable === "CONFLICTING" || pull.mergeStateStatus === "DIRTY") throw notMergeable();
  if (pull.mergeStateStatus === "DRAFT") throw new ApiError(405, "Pull Request is still a draft");
  if (pull.mergeStateStatus === "BLOCKED") {
    throw new ApiError(405, 'Required status check "ci" is expected.');
  }
  const owner = issue.repo.owner.login;
  const title =
    options.title ??
    (options.method === "merge"
      ? `Merge pull request #${issue.number} from ${owner}/${pull.head}`
      : `${issue.title} (#${issue.number})`);
  const message = options.message ?? (options.method === "merge" ? issue.title : "");
  let sha: string | null;
  if (issue.repo.gitDir) {
    sha = await git.merge(issue.repo.gitDir, {
      base: pull.base,
      baseSha: pull.baseSha,
      headSha: pull.headSha,
      method: options.method,
      title,
      message,
    });
  } else {
    sha = fakeSha(`merge:${pull.baseSha}:${pull.headSha}:${options.method}`);
    issue.repo.branches.set(pull.base, sha);
  }
  if (sha === null) {
    pull.mergeable = "CONFLICTING";
    throw notMergeable();
  }
  const now = state.now();
  pull.merged = true;
  pull.mergedAt = now;
  pull.mergedBy = options.actor;
  pull.mergeCommitSha = sha;
  pull.autoMerge = null;
  issue.state = "closed";
  issue.closedAt = now;
  issue.closedBy = options.actor;
  issue.updatedAt = now;
  return { sha };
}
