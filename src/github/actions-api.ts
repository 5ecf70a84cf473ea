import type { WorkflowAtRef } from "../core/actions-environment.js";
import { UserError } from "../core/errors.js";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import type { ActionsPort, WorkflowRunState } from "../core/ports.js";
import type { GitHubClient } from "./client.js";
import { explainGitHubError, isStatus } from "./errors.js";

/** Runs in progress listed at most (3 pages); a claim's run beyond them is read by itself. */
const RUNS_LISTED = 300;

/** Workflow runs and self-hosted runners. */
export class GitHubActionsApi implements ActionsPort {
  constructor(
    private readonly client: GitHubClient,
    readonly repo: RepoRef,
    /** Listing runners needs administration read access, which GITHUB_TOKEN cannot have. */
    private readonly runnersClient: GitHubClient | null = null,
  ) {}

  async workflowRunState(runId: string): Promise<WorkflowRunState> {
    if (!/^\d+$/.test(runId)) return "missing";
    try {
      const { data } = await this.client.rest.actions.getWorkflowRun({
        owner: this.repo.owner,
        repo: this.repo.repo,
        run_id: Number(runId),
      });
      return data.status === "completed" ? "completed" : "active";
    } catch (error) {
      if (isStatus(error, 404)) return "missing";
      throw explainGitHubError(error, `reading workflow run ${runId}`);
    }
  }

  async runsInProgress(): Promise<ReadonlySet<string>> {
    const ids = new Set<string>();
    try {
      for await (const { data } of this.client.paginate.iterator(
        this.client.rest.actions.listWorkflowRunsForRepo,
        { owner: this.repo.owner, repo: this.repo.repo, status: "in_progress", per_page: 100 },
      )) {
        for (const run of data) ids.add(String(run.id));
        // Enough for any host's runs in flight; the rest are asked for one by one.
        if (ids.size >= RUNS_LISTED) break;
      }
    } catch (error) {
      throw explainGitHubError(error, "listing the workflow runs in progress");
    }
    return ids;
  }

  async idleRunners(labels: readonly string[]): Promise<number> {
    if (!this.runnersClient) {
      throw new UserError('Counting self-hosted runners needs the "runners-token" input.');
    }
    const wanted = labels.map((label) => label.toLowerCase());
    try {
      const runners = await this.runnersClient.paginate(
        this.runnersClient.rest.actions.listSelfHostedRunnersForRepo,
        {
          owner: this.repo.owner,
          repo: this.repo.repo,
          per_page: 100,
        },
      );
      return runners.filter(
        (runner) =>
          runner.status === "online" &&
          !runner.busy &&
          wanted.every((label) => runner.labels.some((have) => have.name.toLowerCase() === label)),
      ).length;
    } catch (error) {
      if (isStatus(error, 403, 404)) {
        throw new UserError(
          `"runners-token" cannot list the self-hosted runners of ${formatRepo(this.repo)} (${
            (error as { status: number }).status
          }): it needs administration read access to the repository.`,
        );
      }
      throw explainGitHubError(
        error,
        `listing the self-hosted runners of ${formatRepo(this.repo)}`,
      );
    }
  }
}

/**
 * Asks GitHub to start `workflow` (a `workflow_dispatch` event, no inputs: the workflow's
 * defaults). GitHub answers 204 and starts the run later; errors are GitHub's, unexplained: the
 * caller decides what a refusal means.
 */
export async function requestWorkflowDispatch(
  client: GitHubClient,
  workflow: WorkflowAtRef,
): Promise<void> {
  await client.rest.actions.createWorkflowDispatch({
    owner: workflow.repo.owner,
    repo: workflow.repo.repo,
    workflow_id: workflow.file,
    ref: workflow.ref,
  });
}
