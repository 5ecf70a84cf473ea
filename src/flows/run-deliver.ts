import { messageOf } from "../core/errors.js";
import { cutNote, fitBody, fitTitle, GITHUB_LIMITS } from "../core/github-limits.js";
import { parseGoalBody } from "../core/goal-body.js";
import type { GoalSnapshot, MergeMethod, RunPullRequestPort } from "../core/ports.js";
import type { RunStatsRecord } from "../core/stats-record.js";
import type { CollectedWork } from "./run-collect.js";
import type { Verdict } from "./run-policy.js";
import { statsTable } from "./run-stats.js";
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
      title: fitTitle(goal.title),
      body: pullRequestBody(request),
    });
  } catch (error) {
    return {
      verdict: {
        outcome: "failure",
        reason: `opening the pull request failed: ${messageOf(error)}; the work is on branch ${workspace.branch}`,
      },
      prUrl: null,
    };
  }
  log(`#${goal.ref.number}: pull request ${pull.url}${pull.created ? "" : " (already open)"}`);
  if (verdict.outcome === "spot-check") return { verdict, prUrl: pull.url };
  let merge: Awaited<ReturnType<RunPullRequestPort["enableAutoMerge"]>>;
  try {
    merge = await pulls.enableAutoMerge(pull, request.mergeMethod);
  } catch (error) {
    // The agent's work is done and its PR open: an answer lost on the way back (GitHub may
    // even have enabled it) is no reason to count a failed attempt. A person looks instead;
    // once the PR merges, the goal is done.
    return {
      verdict: {
        outcome: "spot-check",
        reason: `enabling auto-merge failed (${messageOf(error)}); merge the pull request or run goal approve`,
      },
      prUrl: pull.url,
    };
  }
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

/**
 * The pull request's body: closes the goal, repeats its objective, links the run and shows the
 * stats. The objective is cut (with a note pointing to the goal issue) so the whole fits
 * GitHub's body limit; whatever else is too long is cut last.
 */
export function pullRequestBody(request: DeliveryRequest): string {
  const { goal, verdict } = request;
  let objective = "";
  try {
    objective = parseGoalBody(goal.body, goal.ref).objective.trim();
  } catch {
    objective = "";
  }
  const before = [`Closes #${goal.ref.number}`, ""];
  const after = [
    `Attempt ${request.attempt} of ${request.maxAttempts}${request.runUrl ? ` · [workflow run](${request.runUrl})` : ""}`,
    "",
  ];
  if (verdict.outcome === "spot-check") {
    after.push(`**Needs human review:** ${verdict.reason}.`, "");
  }
  after.push(statsTable(request.stats), "");
  const join = (text: string) =>
    [...before, ...(text ? ["## Objective", "", text, ""] : []), ...after].join("\n");
  const room = GITHUB_LIMITS.body - join("").length - "## Objective\n\n\n\n".length;
  const fitted = fitBody(objective, Math.max(0, room), cutNote(`#${goal.ref.number}`));
  return fitBody(join(fitted));
}
