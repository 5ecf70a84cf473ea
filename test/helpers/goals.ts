import assert from "node:assert/strict";
import type { RepoRef } from "../../src/core/issue-ref.js";
import {
  type ClaimMarker,
  encodeMarker,
  type Marker,
  type RunResultMarker,
  type TrustedMarker,
} from "../../src/core/markers.js";
import { type GoalState, isStateLabel } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import type { GitHubClient } from "../../src/github/client.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import { GOAL_BODY } from "./github-fixture.js";
import { statsRecord } from "./stats-record.js";
import { vettedText } from "./vetted-text.js";

/** What the goal helpers act through: a TestWorld or a GitHubFixture (as the maintainer). */
export interface GoalWorld {
  repo: RepoRef;
  client: GitHubClient;
  store: GitHubGoalStore;
}

/** The time `hours` from now (negative: ago), as GitHub writes times. */
export const hoursFromNow = (hours: number) =>
  new Date(Date.now() + hours * 3_600_000).toISOString();

/**
 * Attempts 1 to `count` of goal `number` as earlier runs leave them: each claimed five hours ago
 * (its lease long over) by `claimedBy(attempt)` (default: workflow run 1), then recorded as a
 * failure that counts, with a log tail; all written by `by`.
 */
export async function failedAttempts(
  by: GitHubGoalStore,
  number: number,
  count: number,
  claimedBy: (attempt: number) => ClaimMarker["claimedBy"] = () => ({ runId: "1" }),
): Promise<void> {
  for (let attempt = 1; attempt <= count; attempt++) {
    await by.recordMarker(number, "claim", {
      kind: "claim",
      attempt,
      claimId: `old${attempt}`,
      claimedBy: claimedBy(attempt),
      claimedAt: hoursFromNow(-5),
      leaseExpiresAt: hoursFromNow(-4),
    });
    await by.recordMarker(number, "failed", {
      kind: "run-result",
      attempt,
      outcome: "failure",
      reason: `earlier failure ${attempt}`,
      countsAsAttempt: true,
      logTail: `trace of attempt ${attempt}`,
    });
  }
}

/** A goal as the dispatcher leaves it for the runner: what claimedGoal may vary. */
export interface ClaimedGoalOptions {
  /** The claimed attempt (default: one after the earlier failures). */
  attempt?: number;
  spotCheck?: boolean;
  /** Attempts claimed and failed before, each with a run-result marker (default 0). */
  earlierFailures?: number;
  body?: string;
  /** The workflow run that claimed it (default "4242", the runner's run in the tests). */
  runId?: string;
  /** When the claim's lease runs out (default: in 2 hours). */
  leaseExpiresAt?: string;
  /** Who writes the claims and results (default: the world's store, the maintainer's). */
  claimant?: GitHubGoalStore;
}

/**
 * The helpers tests share to set up goals and read them back, acting through `world()` as it is
 * when called (tests start a new world for each test).
 */
export function goalHelpers(world: () => GoalWorld) {
  /** A goal created as the maintainer: queued unless `queue` is false, with GOAL_BODY. */
  async function goal(title: string, options: { queue?: boolean; body?: string } = {}) {
    const created = await createGoal(world().store, {
      title,
      body: options.body ?? GOAL_BODY,
      queue: options.queue ?? true,
      spotCheck: false,
    });
    return created.number;
  }

  /** The goal:* labels on issue `number`. */
  async function stateLabels(number: number): Promise<string[]> {
    const { repo, client } = world();
    const { data } = await client.rest.issues.listLabelsOnIssue({
      owner: repo.owner,
      repo: repo.repo,
      issue_number: number,
    });
    return data.map((label) => label.name).filter(isStateLabel);
  }

  /** Posts `marker` on issue `number` as a plain comment of the maintainer's. */
  async function comment(number: number, marker: Marker) {
    const { repo, client } = world();
    await client.rest.issues.createComment({
      owner: repo.owner,
      repo: repo.repo,
      issue_number: number,
      body: encodeMarker(marker),
    });
  }

  /** A goal that ran `attempts` times and failed each time, now queued again. */
  async function retriedGoal(title: string, attempts: number) {
    const number = await goal(title);
    await failedAttempts(world().store, number, attempts);
    return number;
  }

  /** A goal left running by a claim for `attempt`. */
  async function runningGoal(
    title: string,
    claim: { attempt?: number; runId?: string; leaseExpiresAt: string; earlier?: number },
  ) {
    const number = claim.earlier ? await retriedGoal(title, claim.earlier) : await goal(title);
    const attempt = claim.attempt ?? (claim.earlier ?? 0) + 1;
    await comment(number, {
      kind: "claim",
      attempt,
      claimId: "x",
      claimedBy: { runId: claim.runId ?? "55" },
      claimedAt: hoursFromNow(-5),
      leaseExpiresAt: claim.leaseExpiresAt,
    });
    await world().store.transition(number, { to: "running", reason: "claimed in the test" });
    return number;
  }

  /** A goal as the dispatcher leaves it for the runner: claimed (vetted text) and goal:running. */
  async function claimedGoal(title: string, options: ClaimedGoalOptions = {}) {
    const { store } = world();
    const claimant = options.claimant ?? store;
    const { number } = await createGoal(store, {
      title,
      body: options.body ?? GOAL_BODY,
      queue: true,
      spotCheck: options.spotCheck ?? false,
    });
    const earlier = options.earlierFailures ?? 0;
    await failedAttempts(claimant, number, earlier);
    await claimant.recordMarker(number, "claim", {
      kind: "claim",
      attempt: options.attempt ?? earlier + 1,
      claimId: "now",
      claimedBy: { runId: options.runId ?? "4242" },
      claimedAt: new Date().toISOString(),
      leaseExpiresAt: options.leaseExpiresAt ?? hoursFromNow(2),
      ...(await vettedText(claimant, number)),
    });
    await store.transition(number, { to: "running", expectedFrom: "queued", reason: "claimed" });
    return number;
  }

  /**
   * Goal `number` (queued) through one attempt as its runner leaves it: claimed for
   * `result.attempt` (default 1) two hours ago with the lease still running, goal:running, then
   * moved to `to` with the attempt's result, which counts. `by` writes all of it (default: the
   * world's store, the maintainer's).
   */
  async function endAttempt(
    number: number,
    to: GoalState,
    result: Omit<RunResultMarker, "kind" | "attempt" | "countsAsAttempt"> & { attempt?: number },
    by: GitHubGoalStore = world().store,
  ) {
    const { attempt = 1, ...rest } = result;
    await by.recordMarker(number, "claim", {
      kind: "claim",
      attempt,
      claimId: `c${attempt}`,
      claimedBy: { runId: "1" },
      claimedAt: hoursFromNow(-2),
      leaseExpiresAt: hoursFromNow(2),
    });
    await by.transition(number, { to: "running", reason: "claimed in the test" });
    await by.transition(number, {
      to,
      reason: result.reason,
      marker: { kind: "run-result", attempt, countsAsAttempt: true, ...rest },
    });
  }

  /** The goal's last run-result marker; fails the test when it has none. */
  async function lastResult(number: number): Promise<TrustedMarker & RunResultMarker> {
    const markers = (await world().store.getGoal(number)).markers;
    const result = markers.findLast((m) => m.kind === "run-result");
    assert.ok(result && result.kind === "run-result", `a run-result marker on #${number}`);
    return result;
  }

  /** The repository's pull requests, open and closed. */
  async function pulls() {
    const { repo, client } = world();
    return (await client.rest.pulls.list({ owner: repo.owner, repo: repo.repo, state: "all" }))
      .data;
  }

  return {
    goal,
    stateLabels,
    comment,
    retriedGoal,
    runningGoal,
    claimedGoal,
    endAttempt,
    lastResult,
    pulls,
  };
}

/**
 * A goal done today whose run recorded `costUsd` (the day's cost a budget is held to), written
 * by `by` as the runner writes a success.
 */
export async function doneToday(by: GitHubGoalStore, costUsd: number): Promise<number> {
  const { number } = await createGoal(by, {
    title: "spent",
    body: GOAL_BODY,
    queue: true,
    spotCheck: false,
  });
  await by.transition(number, { to: "running", reason: "claimed in the test" });
  await by.transition(number, {
    to: "done",
    reason: "finished in the test",
    marker: {
      kind: "run-result",
      attempt: 1,
      outcome: "success",
      reason: "committed",
      countsAsAttempt: true,
      stats: statsRecord({
        goal: number,
        attempt: 1,
        cost_usd: costUsd,
        finished_at: new Date().toISOString(),
      }) as unknown as Record<string, unknown>,
    },
  });
  return number;
}
