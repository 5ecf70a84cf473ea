/**
 * The one read a dispatch cycle starts with (flows/dispatch.ts): which parts of the cycle have
 * anything to look at. Each connection asks for no nested connection, so GitHub prices the whole
 * query at its minimum of 1 point, and an idle cycle stops after it.
 */
import type { RepoRef } from "../core/issue-ref.js";
import type { CycleOverview, ExistingLabel } from "../core/ports.js";
import { type LabelSpec, stateLabel } from "../core/states.js";
import type { GitHubClient } from "./client.js";
import { readGraphql, repositoryNotFound } from "./graphql-read.js";

const PAGE = 100;

interface IssueNode {
  number: number;
  state: "OPEN" | "CLOSED";
  stateReason: string | null;
}

interface OverviewResult {
  repository: {
    running: { nodes: IssueNode[] };
    spotCheck: { nodes: IssueNode[] };
    awaitingMerge: { totalCount: number };
    queued: { totalCount: number };
    stuck: { totalCount: number };
    queuedSince: { totalCount: number };
    finished: { nodes: Array<{ parent: { number: number; state: "OPEN" | "CLOSED" } | null }> };
    [label: `label${number}`]: ExistingLabel | null;
  } | null;
}

/** The query, with one aliased `label(name:)` per label we keep (no connection: no cost). */
function overviewQuery(labels: readonly LabelSpec[]): string {
  const labelFields = labels
    .map(
      (label, index) =>
        `label${index}: label(name: ${JSON.stringify(label.name)}) { id name color description }`,
    )
    .join("\n    ");
  const closedToo = "states: [OPEN, CLOSED]";
  return `
query CycleOverview($owner: String!, $name: String!, $since: DateTime!) {
  repository(owner: $owner, name: $name) {
    running: issues(labels: [${JSON.stringify(stateLabel("running"))}], ${closedToo}, first: ${PAGE}) { nodes { number state stateReason } }
    spotCheck: issues(labels: [${JSON.stringify(stateLabel("spot-check"))}], ${closedToo}, first: ${PAGE}) { nodes { number state stateReason } }
    awaitingMerge: issues(labels: [${JSON.stringify(stateLabel("done"))}], states: [OPEN], first: 1) { totalCount }
    queued: issues(labels: [${JSON.stringify(stateLabel("queued"))}], states: [OPEN], first: 1) { totalCount }
    stuck: issues(labels: [${JSON.stringify(stateLabel("stuck"))}], states: [OPEN], filterBy: {since: $since}, first: 1) { totalCount }
    queuedSince: issues(labels: [${JSON.stringify(stateLabel("queued"))}], states: [OPEN], filterBy: {since: $since}, first: 1) { totalCount }
    finished: issues(labels: [${JSON.stringify(stateLabel("done"))}], ${closedToo}, filterBy: {since: $since}, first: ${PAGE}) { nodes { parent { number state } } }
    ${labelFields}
  }
}`;
}

/** A goal GitHub closed for a reason other than completion has left the orchestrator's hands. */
const counts = (nodes: readonly IssueNode[]) =>
  nodes.filter((node) => node.state === "OPEN" || node.stateReason === "COMPLETED").length;

export async function readCycleOverview(
  client: GitHubClient,
  repo: RepoRef,
  since: Date,
  labels: readonly LabelSpec[],
): Promise<CycleOverview> {
  const result = await readGraphql<OverviewResult>(
    client,
    overviewQuery(labels),
    { owner: repo.owner, name: repo.repo, since: since.toISOString() },
    "reading which goals may need the dispatcher",
  );
  const repository = result.repository;
  if (!repository) throw repositoryNotFound(repo);
  const stories = repository.finished.nodes.flatMap((node) =>
    node.parent?.state === "OPEN" ? [node.parent.number] : [],
  );
  return {
    running: counts(repository.running.nodes),
    spotCheck: counts(repository.spotCheck.nodes),
    awaitingMerge: repository.awaitingMerge.totalCount,
    queued: repository.queued.totalCount,
    stuckSince: repository.stuck.totalCount,
    queuedSince: repository.queuedSince.totalCount,
    storiesToCheck: [...new Set(stories)],
    labels: labels.flatMap((_, index) => repository[`label${index}`] ?? []),
  };
}
