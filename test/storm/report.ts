// How the storm reads to a person: a violation in one line, the board, a step's last words.
import { attemptsUsed } from "../../src/core/attempts.js";
import type { GoalView, Violation } from "./invariants.js";
import type { StepResult } from "./jobs.js";

/** `[seed 1, cycle 3, goal #7] work-lost: …` */
export function describe(v: Violation): string {
  return `[seed ${v.seed}, cycle ${v.cycle}${v.goal === null ? "" : `, goal #${v.goal}`}] ${v.check}: ${v.what}`;
}

/** The last lines a step printed, on one line. */
export function lastLines(result: StepResult, count = 4): string {
  return `${result.stdout}${result.stderr}`.trim().split("\n").slice(-count).join(" ⏎ ");
}

/** How many goals are in each state: `12 done, 3 queued, …`. */
export function summary(views: GoalView[]): string {
  const counts = new Map<string, number>();
  for (const view of views) {
    const label = view.stateLabels.join("+") || "no label";
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${n} ${label.replace(/goal:/g, "")}`).join(", ");
}

/** One goal at the end: state, attempts used, dependencies, pull requests. */
export function boardLine(view: GoalView, dependsOn: number[]): string {
  const pulls = view.pulls
    .map(
      (p) =>
        `#${p.number}${p.merged ? " merged" : p.open ? (p.autoMerge ? " auto-merge" : " open") : " closed"}`,
    )
    .join(", ");
  return `#${view.number} ${view.stateLabels.join("+") || "no label"} · ${attemptsUsed(view.markers)} attempts${
    dependsOn.length ? ` · depends on ${dependsOn.map((d) => `#${d}`).join(", ")}` : ""
  }${pulls ? ` · PR ${pulls}` : ""}`;
}
