// REST: workflow runs and self-hosted runners, as seeded by tests; workflow dispatches.
import { resolveCommit } from "./git.js";
import { resolveBranch } from "./pulls.js";
import { renderWorkflowRun } from "./render-pulls.js";
import {
  ApiError,
  notFound,
  ok,
  paginate,
  type RestContext,
  type RestHandler,
  repoOf,
} from "./rest-common.js";

function getWorkflowRun(ctx: RestContext) {
  const repo = repoOf(ctx);
  const run = repo.workflowRuns.get(Number(ctx.params.run_id));
  if (!run) throw notFound();
  return ok(renderWorkflowRun(ctx.render, repo, run));
}

/** Newest first, as GitHub lists them; `status` takes a status or a conclusion, as on GitHub. */
function listWorkflowRuns(ctx: RestContext) {
  const repo = repoOf(ctx);
  const status = ctx.query.get("status");
  const runs = [...repo.workflowRuns.values()]
    .filter(
      (run) => !status || (run.status ?? "in_progress") === status || run.conclusion === status,
    )
    .sort((a, b) => b.id - a.id);
  const reply = paginate(ctx, runs, (run) => renderWorkflowRun(ctx.render, repo, run));
  return { ...reply, body: { total_count: runs.length, workflow_runs: reply.body } };
}

function listRunners(ctx: RestContext) {
  // Listing runners needs administration access (GITHUB_TOKEN cannot have it).
  const repo = repoOf(ctx, "admin");
  const name = ctx.query.get("name");
  const runners = repo.runners.filter((r) => !name || r.name === name);
  const reply = paginate(ctx, runners, (r) => ({
    id: r.id,
    name: r.name,
    os: r.os,
    status: r.status,
    busy: r.busy,
    ephemeral: false,
    labels: r.labels.map((label, i) => ({
      id: i + 1,
      name: label,
      type: ["self-hosted", "Linux", "X64", "macOS", "Windows", "ARM64"].includes(label)
        ? "read-only"
        : "custom",
    })),
  }));
  return { ...reply, body: { total_count: runners.length, runners: reply.body } };
}

/**
 * POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches: `workflow_id` is the
 * id or the file name. As on GitHub: 404 for a workflow the repository does not have; 422
 * "Workflow does not have 'workflow_dispatch' trigger" for one without that trigger, and "No ref
 * found for: …" for a ref that is no branch (`main`, `refs/heads/main`) or tag; 403 without
 * write access, or for an App's token whose installation lacks Actions: write. Accepted
 * dispatches are recorded in the repository's `workflowDispatches` (no run is started).
 */
async function createWorkflowDispatch(ctx: RestContext) {
  const repo = repoOf(ctx);
  const installation = [...ctx.state.apps.installations.values()].find(
    (i) =>
      i.app.bot === ctx.viewer &&
      i.repositories.has(`${repo.owner.login}/${repo.name}`.toLowerCase()),
  );
  if (installation && installation.permissions.actions !== "write") {
    throw new ApiError(403, "Resource not accessible by integration");
  }
  if (!ctx.state.can(repo, ctx.viewer, "write")) {
    throw new ApiError(403, "Must have admin rights to Repository.");
  }
  const wanted = ctx.params.workflow_id ?? "";
  const workflow = [...repo.workflows.values()].find(
    (w) => String(w.id) === wanted || w.file === wanted,
  );
  if (!workflow) throw notFound();
  if (!workflow.dispatchable) {
    throw new ApiError(422, "Workflow does not have 'workflow_dispatch' trigger");
  }
  const ref = String(ctx.body.ref);
  const found = ref.startsWith("refs/tags/")
    ? repo.gitDir !== undefined && (await resolveCommit(repo.gitDir, ref)) !== null
    : (await resolveBranch(repo, ref.replace(/^refs\/heads\//, ""))) !== null;
  if (!found) {
    throw new ApiError(422, `No ref found for: ${ref}`);
  }
  repo.workflowDispatches.push({
    workflowId: workflow.id,
    file: workflow.file,
    ref,
    inputs: ctx.body.inputs ?? {},
    actor: ctx.viewer.login,
    createdAt: ctx.state.now(),
  });
  return { status: 204 };
}

export const actionHandlers: Record<string, RestHandler> = {
  "actions/get-workflow-run": getWorkflowRun,
  "actions/list-workflow-runs-for-repo": listWorkflowRuns,
  "actions/list-self-hosted-runners-for-repo": listRunners,
  "actions/create-workflow-dispatch": createWorkflowDispatch,
};
