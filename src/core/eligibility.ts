import {
  formatIssueRef,
  type IssueRef,
  issueKey,
  type RepoRef,
  sameRepo,
  tryParseIssueRef,
} from "./issue-ref.js";
import type { BlockedMarker, Marker } from "./markers.js";
import { stateLabel } from "./states.js";

/** Which dependencies let a queued goal run, and in what order eligible goals run (design §2). */

export type DependencyStatus =
  | { ref: IssueRef; kind: "done" }
  | { ref: IssueRef; kind: "waiting"; state: string }
  | { ref: IssueRef; kind: "missing" }
  | { ref: IssueRef; kind: "self" }
  | { ref: IssueRef; kind: "cycle"; path: IssueRef[] };

/** Done when labelled goal:done, or closed as completed (not as "not planned"). */
export function dependencyDone(issue: {
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
}): boolean {
  if (issue.labels.includes(stateLabel("done"))) return true;
  // GraphQL says COMPLETED, REST says completed.
  return issue.state === "closed" && issue.stateReason?.toLowerCase() === "completed";
}

/** Labelled goal:stuck and not done: its dependents wait until a human acts on it. */
export function dependencyStuck(issue: {
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
}): boolean {
  return !dependencyDone(issue) && issue.labels.includes(stateLabel("stuck"));
}

/**
 * The dependencies the dispatcher last told this goal are stuck (its latest blocked marker).
 * A claim or a state change of the goal since then ends what that marker described, so none.
 * Whether each is still stuck is for the reader to check.
 */
export function namedBlockers(markers: readonly Marker[], repo: RepoRef): IssueRef[] {
  let named: IssueRef[] = [];
  for (const marker of markers) {
    if (marker.kind === "blocked") {
      named = marker.by.flatMap((text) => {
        const ref = tryParseIssueRef(text, repo);
        return ref ? [ref] : [];
      });
    } else if (marker.kind === "claim" || marker.kind === "transition") named = [];
  }
  return named;
}

/**
 * What to tell a queued goal whose dependencies `stuck` are goal:stuck: a blocked marker naming
 * every one, or null when its markers already name each of them, so it is said once, not every
 * cycle. A dependency that stops being stuck needs no marker: the goal waits or runs as before.
 */
export function blockedNotice(
  markers: readonly Marker[],
  stuck: readonly IssueRef[],
  repo: RepoRef,
): BlockedMarker | null {
  const named = new Set(namedBlockers(markers, repo).map(issueKey));
  const unique = [...new Map(stuck.map((ref) => [issueKey(ref), ref])).values()];
  if (unique.every((ref) => named.has(issueKey(ref)))) return null;
  return { kind: "blocked", by: unique.map((ref) => formatIssueRef(ref)) };
}

/** The comment that carries a blocked marker: what is stuck, and what a human can do about it. */
export function blockedMessage(goal: IssueRef, stuck: readonly IssueRef[]): string {
  const show = (ref: IssueRef) => formatIssueRef(ref, goal);
  const names = listOf(stuck.map(show));
  const one = stuck.length === 1;
  const requeue = stuck.map((ref) =>
    sameRepo(ref, goal)
      ? `\`goal queue ${ref.number}\``
      : `\`goal queue ${ref.number} --repo ${ref.owner}/${ref.repo}\``,
  );
  return [
    `**Blocked**: ${one ? "its dependency" : "its dependencies"} ${names} ${one ? "is" : "are"} \`${stateLabel("stuck")}\`, so this goal cannot run until ${one ? "it is" : "they are"} done. It stays \`${stateLabel("queued")}\` and runs in its turn once ${one ? "it is" : "they are"}.`,
    "",
    "To unblock it, either",
    `- fix ${names} and queue ${one ? "it" : "them"} again (${listOf(requeue)}), or close ${one ? "it" : "them"} as completed if the work was done another way; or`,
    `- remove ${names} from this goal's \`Depends:\` line and its blocked-by links.`,
  ].join("\n");
}

function listOf(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * A cycle through `start`, as the path start → … → start, or null. `edges` gives an issue's
 * dependencies, or undefined when they are unknown (treated as none).
 */
export function findCycle(
  start: IssueRef,
  edges: (ref: IssueRef) => IssueRef[] | undefined,
): IssueRef[] | null {
  const startKey = issueKey(start);
  // Each reached issue remembers the issue it was reached from, to rebuild the path at the end.
  const cameFrom = new Map<string, { ref: IssueRef; parent: string | null }>([
    [startKey, { ref: start, parent: null }],
  ]);
  // Depth-first with an explicit stack so deep chains cannot overflow the call stack.
  const stack: string[] = [startKey];
  while (stack.length > 0) {
    const key = stack.pop() as string;
    const ref = cameFrom.get(key)?.ref as IssueRef;
    for (const next of edges(ref) ?? []) {
      const nextKey = issueKey(next);
      if (nextKey === startKey) return [...pathTo(key, cameFrom), next];
      if (cameFrom.has(nextKey)) continue;
      cameFrom.set(nextKey, { ref: next, parent: key });
      stack.push(nextKey);
    }
  }
  return null;
}

function pathTo(
  key: string,
  cameFrom: ReadonlyMap<string, { ref: IssueRef; parent: string | null }>,
): IssueRef[] {
  const path: IssueRef[] = [];
  for (let at: string | null = key; at !== null; ) {
    const step = cameFrom.get(at);
    if (step === undefined) break;
    path.push(step.ref);
    at = step.parent;
  }
  return path.reverse();
}

export interface QueuedGoal {
  number: number;
  /** The goal's repository: references there are written short (#12). */
  repo?: RepoRef;
  isRetry: boolean;
  dependencies: DependencyStatus[];
}

export type Eligibility =
  | { eligible: true }
  | { eligible: false; blocked: "waiting" | "unsatisfiable"; reason: string };

export function eligibility(goal: QueuedGoal): Eligibility {
  const show = (ref: IssueRef) => formatIssueRef(ref, goal.repo);
  const problems = goal.dependencies.flatMap((dep) => {
    switch (dep.kind) {
      case "missing":
        return [`${show(dep.ref)} does not exist or cannot be read`];
      case "self":
        return [`${show(dep.ref)} is this goal itself`];
      case "cycle":
        return [`${show(dep.ref)} is part of a cycle: ${dep.path.map(show).join(" → ")}`];
      default:
        return [];
    }
  });
  if (problems.length > 0) {
    return {
      eligible: false,
      blocked: "unsatisfiable",
      reason: `Goal #${goal.number} can never run: dependency ${problems.join("; dependency ")}. Fix the Depends: line or the blocked-by links.`,
    };
  }
  const waiting = goal.dependencies.filter((dep) => dep.kind === "waiting");
  if (waiting.length > 0) {
    const list = waiting.map((dep) => `${show(dep.ref)} (${dep.state})`).join(", ");
    return {
      eligible: false,
      blocked: "waiting",
      reason: `Goal #${goal.number} waits for ${list} to be done.`,
    };
  }
  return { eligible: true };
}

/** Goals never attempted first, then retries; the lower issue number first within each. */
export function compareForDispatch(
  a: { number: number; isRetry: boolean },
  b: { number: number; isRetry: boolean },
): number {
  if (a.isRetry !== b.isRetry) return a.isRetry ? 1 : -1;
  return a.number - b.number;
}

export function orderForDispatch<T extends { number: number; isRetry: boolean }>(
  goals: readonly T[],
): T[] {
  return [...goals].sort(compareForDispatch);
}
