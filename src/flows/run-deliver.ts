import { parseGoalBody } from "../core/goal-body.js";
import type { GoalSnapshot, MergeMethod, RunPullRequestPort } from "../core/ports.js";
import type { CollectedWork } from "./run-collect.js";
import type { Verdict } from "./run-policy.js";
import { type RunStatsRecord, statsTable } from "./run-stats.js";
import type { PreparedWorkspace } from "./run-workspace.js";

export interface DeliveryRequest {
  goal: GoalSnapshot;
  attempt: number;
  maxAttempts: number;
  mergeMethod: MergeMethod;
  workspace: PreparedWorkspace;
  collected: CollectedWork;
  verdict: Verdict;
  /** The stats so far, for the pull request's body. */
  stats: RunStatsRecord;
  runUrl?: string | undefined;
}

/**
 * Pushes the agent's commits from the runner's own repository, opens the pull request and (on
 * success) enables auto-merge. Any failure here fails the run.
 */
export async function deliver(
  pulls: RunPullRequestPort,
  log: (line: string) => void,
  request: DeliveryRequest,
): Promise<{ verdict: Verdict; prUrl: string | null }> {
  const { goal, workspace, verdict } = request;
  const pushed = await pushWork(request.collected, workspace);
  if (!pushed.ok) {
    return {
      verdict: {
        outcome: "failure",
        reason: `${pushed.rejected ? "push rejected" : "push failed"}: ${pushed.message}`,
      },
      prUrl: null,
    };
  }
  let pull: Awaited<ReturnType<RunPullRequestPort["create"]>>;
  try {
    pull = await pulls.create({
      head: workspace.branch,
      base: workspace.base,
      title: goal.title,
      body: pullRequestBody(request),
    });
  } catch (error) {
    return {
      verdict: {
        outcome: "failure",
        reason: `opening the pull request failed: ${error instanceof Error ? error.message : String(error)}; the work is on branch ${workspace.branch}`,
      },
      prUrl: null,
    };
  }
  log(`#${goal.ref.number}: pull request ${pull.url}${pull.created ? "" : " (already open)"}`);
  if (verdict.outcome === "spot-check") return { verdict, prUrl: pull.url };
  const merge = await pulls.enableAutoMerge(pull, request.mergeMethod);
  if (merge.kind === "refused") {
    return {
      verdict: {
        outcome: "spot-check",
        reason: `auto-merge could not be enabled: ${merge.reason}`,
      },
      prUrl: pull.url,
    };
  }
  const how = merge.kind === "merged" ? "merged" : `auto-merge (${request.mergeMethod}) enabled`;
  return { verdict: { outcome: "success", reason: `${verdict.reason}; ${how}` }, prUrl: pull.url };
}

/**
 * A failed attempt's commits, pushed to the goal branch so the next attempt (or a person) can
 * start from them. Returns what to add to the failure's reason.
 */
export async function keepWork(
  collected: CollectedWork,
  workspace: PreparedWorkspace,
  warn: ((line: string) => void) | undefined,
): Promise<string> {
  if (collected.commitsAhead === 0 || collected.problem !== null) return "";
  const pushed = await pushWork(collected, workspace);
  if (pushed.ok) return `; its work so far is on branch ${workspace.branch}`;
  warn?.(`could not push the work in progress: ${pushed.message}`);
  return "";
}

/** The agent's head to the goal branch, from the runner's repository to the configured origin. */
function pushWork(collected: CollectedWork, workspace: PreparedWorkspace) {
  return collected.repo.push(workspace.branch, {
    force: !workspace.resumed,
    from: collected.head,
  });
}

function pullRequestBody(request: DeliveryRequest): string {
  const { goal, verdict } = request;
  let objective = "";
  try {
    objective = parseGoalBody(goal.body, goal.ref).objective.trim();
  } catch {
    objective = "";
  }
  const lines = [`Closes #${goal.ref.number}`, ""];
  if (objective) lines.push("## Objective", "", objective, "");
  lines.push(
    `Attempt ${request.attempt} of ${request.maxAttempts}${request.runUrl ? ` · [workflow run](${request.runUrl})` : ""}`,
    "",
  );
  if (verdict.outcome === "spot-check") {
    lines.push(`**Needs human review:** ${verdict.reason}.`, "");
  }
  lines.push(statsTable(request.stats), "");
  return lines.join("\n");
}
