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
  /** The review round this run serves: it pushes to that round's pull request and says what it changed there. */
  round?: { round: number; pullRequest: number } | null;
  /**
   * Asked before auto-merge is enabled again at the end of a review round: a reason to leave it
   * off (new requests for changes came in during the run), or null.
   */
  holdAutoMerge?: () => Promise<string | null>;
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
  const { goal, workspace } = request;
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
  const { held, ...delivered } = await enableAutoMerge(pulls, request, pull);
  if (request.round) {
    // What the round changed, said where the reviewer looks; a failure to say it is no failed run.
    try {
      await pulls.comment(pull.number, await roundComment(request, delivered.verdict, held));
    } catch (error) {
      log(`#${goal.ref.number}: could not comment on ${pull.url}: ${messageOf(error)}`);
    }
  }
  return delivered;
}

async function enableAutoMerge(
  pulls: RunPullRequestPort,
  request: DeliveryRequest,
  pull: Awaited<ReturnType<RunPullRequestPort["create"]>>,
): Promise<{ verdict: Verdict; prUrl: string | null; held?: boolean }> {
  const { verdict } = request;
  if (verdict.outcome === "spot-check") return { verdict, prUrl: pull.url };
  const hold = request.round && request.holdAutoMerge ? await request.holdAutoMerge() : null;
  if (hold) {
    return {
      verdict: { outcome: "success", reason: `${verdict.reason}; auto-merge left off: ${hold}` },
      prUrl: pull.url,
      held: true,
    };
  }
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
 * A path of the agent's change as a one-line code span: the path is the agent's words, so no
 * backtick or line break may end the span and let text out as Markdown (an @-mention, a link).
 */
export function pathAsCode(path: string): string {
  return `\`${path.replace(/`/g, "'").replace(/\p{Cc}/gu, "?")}\``;
}

/** The comment a review round's run leaves on its pull request: what it pushed, and what now. */
async function roundComment(
  request: DeliveryRequest,
  verdict: Verdict,
  held: boolean | undefined,
): Promise<string> {
  const { collected, workspace } = request;
  const round = request.round?.round ?? 0;
  const run = request.runUrl ? ` ([run](${request.runUrl}))` : "";
  const commits = await collected.repo.commitsAhead(workspace.start, collected.head);
  const diff = await collected.repo.diffStats(workspace.start, collected.head);
  const files = diff.paths.slice(0, 20).map(pathAsCode);
  const more =
    diff.paths.length > files.length ? `, and ${diff.paths.length - files.length} more` : "";
  const now =
    verdict.outcome === "spot-check"
      ? `It needs a person's review: ${verdict.reason}.`
      : held
        ? "Auto-merge stays off: more changes were asked for during the run; the next round takes them."
        : "Auto-merge is on again.";
  return fitBody(
    [
      `Review round ${round}: attempt ${request.attempt}${run} pushed ${commits} commit${commits === 1 ? "" : "s"} on top of ${workspace.start.slice(0, 12)} (+${diff.linesAdded} −${diff.linesDeleted} in ${diff.filesChanged} file${diff.filesChanged === 1 ? "" : "s"}: ${files.join(", ")}${more}).`,
      "",
      now,
    ].join("\n"),
  );
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
