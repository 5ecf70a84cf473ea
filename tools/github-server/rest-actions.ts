// REST: workflow runs and self-hosted runners, as seeded by tests.
import { renderWorkflowRun } from "./render-pulls.js";
import {
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

export const actionHandlers: Record<string, RestHandler> = {
  "actions/get-workflow-run": getWorkflowRun,
  "actions/list-self-hosted-runners-for-repo": listRunners,
};
