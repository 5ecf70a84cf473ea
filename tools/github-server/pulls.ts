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
    const checks = checkVerdict(issue);
    pull.blockReason = checks.blockReason;
    pull.mergeStateStatus = pull.draft
      ? "DRAFT"
      : !clean
        ? "DIRTY"
        : checks.blockReason
          ? "BLOCKED"
          : checks.unstable
            ? "UNSTABLE"
            : "CLEAN";
  }
  if (pull.forced.mergeable) pull.mergeable = pull.forced.mergeable;
  if (pull.forced.mergeStateStatus) pull.mergeStateStatus = pull.forced.mergeStateStatus;
}

const PASSING = new Set(["success", "neutral", "skipped"]);

/**
 * Required checks of the base on the head commit: why they block (GitHub's merge message), and
 * whether a non-required check failed (UNSTABLE). A protected base without configured required
 * checks blocks (checks pending) until a test forces the state.
 */
function checkVerdict(issue: IssueModel): { blockReason: string | null; unstable: boolean } {
  const pull = issue.pull;
  const repo = issue.repo;
  if (!pull) return { blockReason: null, unstable: false };
  const runs = issue.repo.checkRuns.size > 0 ? latestRuns(repo, pull.headSha) : [];
  const required = repo.requiredChecks.get(pull.base);
  let blockReason: string | null = null;
  if (repo.protectedBranches.has(pull.base)) {
    if (!required) blockReason = 'Required status check "ci" is expected.';
    for (const name of required ?? []) {
      const run = runs.find((r) => r.name === name);
      if (!run) blockReason ??= `Required status check "${name}" is expected.`;
      else if (run.status !== "completed")
        blockReason ??= `Required status check "${name}" is in progress.`;
      else if (!PASSING.has(run.conclusion ?? ""))
        blockReason = `Required status check "${name}" is failing.`;
    }
  }
  const unstable = runs.some(
    (r) =>
      r.status === "completed" && !PASSING.has(r.conclusion ?? "") && !required?.includes(r.name),
  );
  return { blockReason, unstable };
}

function latestRuns(repo: RepoModel, sha: string) {
  const latest = new Map<string, RepoModel["checkRuns"] extends Map<number, infer R> ? R : never>();
  for (const run of repo.checkRuns.values()) {
    const seen = latest.get(run.name);
    if (run.headSha === sha && (!seen || seen.id < run.id)) latest.set(run.name, run);
  }
  return [...latest.values()];
}

/** Refreshes a pull request and merges it when auto-merge is enabled and nothing blocks it. */
export async function settlePull(state: GitHubState, issue: IssueModel): Promise<void> {
  const pull = issue.pull;
  if (!pull) return;
  await refreshPull(issue);
  const ready = pull.mergeStateStatus === "CLEAN" || pull.mergeStateStatus === "UNSTABLE";
  if (pull.autoMerge && ready && issue.state === "open") {
    await mergePull(state, issue, {
      method: pull.autoMerge.mergeMethod.toLowerCase() as "merge" | "squash" | "rebase",
      actor: pull.autoMerge.enabledBy,
    });
  }
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
    throw new ApiError(405, pull.blockReason ?? 'Required status check "ci" is expected.');
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
  closeLinkedIssues(state, issue, options.actor);
  return { sha };
}

/**
 * GitHub closes the issues a merged pull request's body links with a closing keyword ("Closes
 * #12", "fixes acme/widgets#3", "Resolved: #4"), as completed, when it merges into the default
 * branch. Issues of other repositories are not modelled; pull requests are never closed so.
 */
const CLOSING_KEYWORD =
  /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?[ \t]+(?:([\w.-]+)\/([\w.-]+))?#(\d+)\b/gi;

export function closeLinkedIssues(state: GitHubState, pull: IssueModel, actor: UserModel): void {
  const repo = pull.repo;
  if (!pull.pull || pull.pull.base !== repo.defaultBranch) return;
  for (const match of (pull.body ?? "").matchAll(CLOSING_KEYWORD)) {
    const [, owner, name, number] = match;
    if (
      owner &&
      (owner.toLowerCase() !== repo.owner.login.toLowerCase() ||
        name?.toLowerCase() !== repo.name.toLowerCase())
    ) {
      continue;
    }
    const linked = repo.issues.get(Number(number));
    if (!linked || linked.pull || linked.state === "closed") continue;
    state.setIssueState(linked, "closed", "completed", actor);
    state.touch(linked);
  }
}
