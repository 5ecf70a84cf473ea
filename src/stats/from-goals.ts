import { dependencyDone, dependencyStuck, namedBlockers } from "../core/eligibility.js";
import { parseVisibleGoalBody } from "../core/goal-body.js";
import { formatIssueRef, formatRepo, type IssueRef, issueKey } from "../core/issue-ref.js";
import type { ClaimMarker, RunResultMarker, TrustedMarker } from "../core/markers.js";
import type { GoalSnapshot } from "../core/ports.js";
import { parseStatsRecord, type RunStatsRecord } from "../core/stats-record.js";
import { goalTimeline } from "./report.js";
import type { GoalHistory } from "./report-types.js";

/**
 * Stats from the goals' markers alone (`--from github`): every run-result marker is one run.
 * A runner writes its stats record into the marker; results the dispatcher recorded for lost
 * attempts carry none, so they become runs whose every figure is unknown (they still used an
 * attempt and took time from the claim to the verdict).
 */
export function statsFromGoals(goals: Iterable<GoalSnapshot>): {
  runs: RunStatsRecord[];
  histories: GoalHistory[];
} {
  const runs: RunStatsRecord[] = [];
  const histories: GoalHistory[] = [];
  const all = [...goals];
  const byKey = new Map(all.map((goal) => [issueKey(goal.ref), goal]));
  for (const goal of all) {
    const repository = formatRepo(goal.ref);
    for (const marker of goal.markers) {
      if (marker.kind !== "run-result") continue;
      const fromRunner = marker.stats ? parseStatsRecord(marker.stats) : null;
      if (fromRunner) fromRunner.pr_url ??= marker.prUrl ?? null;
      const run = fromRunner ?? recordWithoutStats(goal, repository, marker);
      if (run) runs.push(run);
    }
    // An issue closed as completed is done whatever its label says, as for dependencies
    // (core/eligibility.ts): GitHub closes a goal when a person merges its spot-check pull
    // request ("Closes #N"), and the dispatcher, which reads open goals, never relabels it.
    const state = dependencyDone({ ...goal, state: goal.open ? "open" : "closed" })
      ? "done"
      : goal.state;
    histories.push({
      repository,
      goal: goal.ref.number,
      title: goal.title,
      url: goal.url,
      state,
      timeline: goalTimeline(
        goal.createdAt,
        state,
        goal.markers.flatMap((marker) =>
          marker.kind === "transition"
            ? [{ at: marker.createdAt, from: marker.from, to: marker.to }]
            : [],
        ),
      ),
      ...(goal.state === "queued" ? { blockedBy: stuckDependencies(goal, byKey) } : {}),
    });
  }
  return { runs, histories };
}

/**
 * A queued goal's stuck dependencies as far as these goals tell: a dependency among them counts
 * by its label now; one that is not (another repository, or unchanged in the period read)
 * counts when the dispatcher's latest blocked marker on the goal names it.
 */
function stuckDependencies(goal: GoalSnapshot, byKey: ReadonlyMap<string, GoalSnapshot>): string[] {
  const named = namedBlockers(goal.markers, goal.ref);
  let depends: IssueRef[] = [];
  try {
    depends = parseVisibleGoalBody(goal.body, goal.ref).depends;
  } catch {
    // A body that is no goal has no Depends: line.
  }
  const namedKeys = new Set(named.map(issueKey));
  const candidates = [...new Map([...named, ...depends].map((r) => [issueKey(r), r])).values()];
  return candidates
    .filter((ref) => {
      const dependency = byKey.get(issueKey(ref));
      if (!dependency) return namedKeys.has(issueKey(ref));
      return dependencyStuck({
        state: dependency.open ? "open" : "closed",
        stateReason: dependency.stateReason,
        labels: dependency.labels,
      });
    })
    .map((ref) => formatIssueRef(ref, goal.ref));
}

function recordWithoutStats(
  goal: GoalSnapshot,
  repository: string,
  marker: RunResultMarker & { createdAt: string },
): RunStatsRecord | null {
  const claim = goal.markers.find(
    (candidate): candidate is ClaimMarker & TrustedMarker =>
      candidate.kind === "claim" && candidate.attempt === marker.attempt,
  );
  // What the marker places; the record reader makes every figure unknown.
  return parseStatsRecord({
    repository,
    goal: goal.ref.number,
    attempt: marker.attempt,
    outcome: marker.outcome,
    reason: marker.reason,
    started_at: claim?.claimedAt ?? marker.createdAt,
    finished_at: marker.createdAt,
    pr_url: marker.prUrl ?? null,
  });
}
