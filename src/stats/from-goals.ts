import { formatRepo } from "../core/issue-ref.js";
import type { ClaimMarker, RunResultMarker, TrustedMarker } from "../core/markers.js";
import type { GoalSnapshot } from "../core/ports.js";
import type { RunStatsRecord } from "../flows/run-stats.js";
import { parseStatsRecord } from "./records.js";
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
  for (const goal of goals) {
    const repository = formatRepo(goal.ref);
    for (const marker of goal.markers) {
      if (marker.kind !== "run-result") continue;
      const fromRunner = marker.stats ? parseStatsRecord(marker.stats) : null;
      if (fromRunner) fromRunner.pr_url ??= marker.prUrl ?? null;
      const run = fromRunner ?? recordWithoutStats(goal, repository, marker);
      if (run) runs.push(run);
    }
    histories.push({
      repository,
      goal: goal.ref.number,
      title: goal.title,
      url: goal.url,
      state: goal.state,
      timeline: goalTimeline(
        goal.createdAt,
        goal.state,
        goal.markers.flatMap((marker) =>
          marker.kind === "transition"
            ? [{ at: marker.createdAt, from: marker.from, to: marker.to }]
            : [],
        ),
      ),
    });
  }
  return { runs, histories };
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
