import * as core from "@actions/core";
import { type Budget, describeDayCost, describeEstimate } from "../core/budget.js";
import type { RepoRef } from "../core/issue-ref.js";
import type { DispatchReport } from "../flows/dispatch.js";

/** The matrix the orchestrate workflow's `run` job fans out over: one entry per claimed goal. */
export function matrixOf(report: DispatchReport, repository: string) {
  return {
    include: report.claimed.map((goal) => ({
      goal: goal.number,
      attempt: goal.attempt,
      title: goal.title,
      repository,
    })),
  };
}

export async function writeDispatchSummary(
  report: DispatchReport,
  repo: RepoRef,
  budget: Budget | null,
) {
  const link = (number: number, url: string) => `<a href="${url}">#${number}</a>`;
  const html = (text: string) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const summary = core.summary
    .addHeading(`Dispatch ${repo.owner}/${repo.repo}${report.dryRun ? " (dry run)" : ""}`, 3)
    .addTable([
      [
        { data: "queued", header: true },
        { data: "running", header: true },
        { data: "claimed", header: true },
        { data: "re-queued", header: true },
        { data: "stuck", header: true },
        { data: "blocked", header: true },
        { data: "cost today (UTC)", header: true },
      ],
      [
        String(report.queued),
        String(report.running),
        String(report.claimed.length),
        String(report.requeued.length),
        String(report.stuck.length),
        String(report.blocked.length),
        html(report.today ? describeDayCost(report.today, budget) : "not read"),
      ],
    ]);
  const told = (now: boolean) =>
    now ? (report.dryRun ? "; would be told on the issue" : "; told on the issue now") : "";
  const rows = [
    ...report.claimed.map((goal) => [
      link(goal.number, goal.url),
      "claimed",
      `attempt ${goal.attempt}: ${html(goal.title)}`,
    ]),
    ...[...report.requeued, ...report.stuck, ...report.toDraft, ...report.reviewed].map((event) => [
      link(event.number, event.url),
      `goal:${event.to}`,
      html(event.reason),
    ]),
    ...report.blocked.map((goal) => [
      link(goal.number, goal.url),
      "goal:queued · blocked",
      html(`waits for ${goal.by.join(", ")} (goal:stuck)${told(goal.told)}`),
    ]),
    ...report.storiesClosed.map((number) => [
      `#${number}`,
      "story closed",
      "all its goals are done",
    ]),
  ];
  if (rows.length > 0) {
    summary.addTable([
      [
        { data: "goal", header: true },
        { data: "now", header: true },
        { data: "why", header: true },
      ],
      ...rows,
    ]);
  }
  if (report.today && report.today.unknownRuns > 0) {
    summary.addRaw(`<p>Estimated: ${html(describeEstimate(report.today))}</p>`, true);
  }
  for (const note of report.notes) summary.addRaw(`<p>${html(note)}</p>`, true);
  await summary.write();
}
