// REST objects for pull requests (pull-request and pull-request-simple), workflow runs, runners.
import type { Json, Renderer } from "./render.js";
import type { IssueModel, RepoModel, UserModel } from "./state.js";

function mergeableFlag(value: string): boolean | null {
  return value === "MERGEABLE" ? true : value === "CONFLICTING" ? false : null;
}

export function renderPullSimple(render: Renderer, issue: IssueModel, viewer: UserModel): Json {
  const pull = issue.pull;
  if (!pull) throw new Error(`#${issue.number} is not a pull request`);
  const repo = issue.repo;
  const api = render.repoApi(repo);
  const url = `${api}/pulls/${issue.number}`;
  const html = `${render.repoHtml(repo)}/pull/${issue.number}`;
  const issueUrl = `${api}/issues/${issue.number}`;
  const statuses = `${api}/statuses/${pull.headSha}`;
  const side = (ref: string, sha: string) => ({
    label: `${repo.owner.login}:${ref}`,
    ref,
    sha,
    user: render.user(repo.owner),
    repo: render.fullRepository(repo, viewer),
  });
  const link = (href: string) => ({ href });
  return {
    url,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: statuses,
    number: issue.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    user: render.user(issue.author),
    body: issue.body,
    labels: issue.labels.map((label) => render.label(repo, label)),
    milestone: null,
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: issue.assignees[0] ? render.user(issue.assignees[0]) : null,
    assignees: issue.assignees.map((u) => render.user(u)),
    requested_reviewers: [],
    requested_teams: [],
    head: side(pull.head, pull.headSha),
    base: side(pull.base, pull.baseSha),
    _links: {
      self: link(url),
      html: link(html),
      issue: link(issueUrl),
      comments: link(`${issueUrl}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(statuses),
    },
    author_association: render.authorAssociation(repo, issue.author),
    auto_merge: pull.autoMerge
      ? {
          enabled_by: render.user(pull.autoMerge.enabledBy),
          merge_method: pull.autoMerge.mergeMethod.toLowerCase(),
          commit_title: "",
          commit_message: "",
        }
      : null,
    draft: pull.draft,
  };
}

export function renderPull(render: Renderer, issue: IssueModel, viewer: UserModel): Json {
  const pull = issue.pull;
  if (!pull) throw new Error(`#${issue.number} is not a pull request`);
  return {
    ...renderPullSimple(render, issue, viewer),
    merged: pull.merged,
    mergeable: pull.merged || issue.state === "closed" ? null : mergeableFlag(pull.mergeable),
    rebaseable: pull.merged ? null : mergeableFlag(pull.mergeable),
    mergeable_state: pull.mergeStateStatus.toLowerCase(),
    merged_by: pull.mergedBy ? render.user(pull.mergedBy) : null,
    comments: issue.comments.length,
    review_comments: pull.reviews
      .filter((r) => r.state !== "PENDING")
      .reduce((n, r) => n + r.comments.length, 0),
    maintainer_can_modify: false,
    commits: pull.commits,
    additions: pull.additions,
    deletions: pull.deletions,
    changed_files: pull.changedFiles,
  };
}

export function renderWorkflowRun(
  render: Renderer,
  repo: RepoModel,
  run: RepoModel["workflowRuns"] extends Map<number, infer R> ? R : never,
): Json {
  const api = render.repoApi(repo);
  const url = `${api}/actions/runs/${run.id}`;
  const workflowId = run.workflowId ?? 1;
  return {
    id: run.id,
    name: run.name ?? "goal-orchestrator",
    node_id: `WFR_${Buffer.from(`run:${run.id}`).toString("base64url")}`,
    check_suite_id: run.id,
    check_suite_node_id: `CS_${Buffer.from(`cs:${run.id}`).toString("base64url")}`,
    head_branch: run.headBranch ?? repo.defaultBranch,
    head_sha: run.headSha ?? "0".repeat(40),
    path: run.path ?? ".github/workflows/goal-orchestrator.yml",
    run_number: run.id % 100000,
    run_attempt: run.runAttempt ?? 1,
    event: run.event ?? "workflow_dispatch",
    status: run.status ?? "in_progress",
    conclusion: run.conclusion ?? null,
    workflow_id: workflowId,
    url,
    html_url: `${render.repoHtml(repo)}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.createdAt,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${api}/check-suites/${run.id}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${api}/actions/workflows/${workflowId}`,
    head_commit: null,
    repository: render.minimalRepository(repo),
    head_repository: render.minimalRepository(repo),
    display_title: run.name ?? "goal-orchestrator",
  };
}
