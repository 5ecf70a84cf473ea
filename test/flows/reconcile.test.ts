import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { RunResultMarker } from "../../src/core/markers.js";
import { LABELS } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { reconcileRunning } from "../../src/flows/reconcile.js";
import { GitHubActionsApi } from "../../src/github/actions-api.js";
import type { GitHubClient } from "../../src/github/client.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import { ENABLE_AUTO_MERGE_MUTATION, GitHubPullRequests } from "../../src/github/pull-requests.js";
import {
  createBareRepository,
  type GitHubServer,
  startGitHubServer,
} from "../../tools/github-server/index.js";
import { connectAs, GOAL_BODY } from "../helpers/github-fixture.js";
import { vettedText } from "../helpers/vetted-text.js";

// reconcileRunning in-process, with the GitHub adapters against the local server: what a
// dispatch cycle does with a goal whose run ended (or whose machine died) without moving it.

const repo = { owner: "acme", repo: "widgets" };

interface World {
  server: GitHubServer;
  bare: Awaited<ReturnType<typeof createBareRepository>>;
  client: GitHubClient;
  store: GitHubGoalStore;
}
let w: World;

beforeEach(async () => {
  const server = await startGitHubServer();
  const bare = await createBareRepository("main");
  server.createRepository({
    owner: repo.owner,
    name: repo.repo,
    gitDir: bare.gitDir,
    defaultPermission: "read",
    allowAutoMerge: true,
  });
  server.setPermission(repo.owner, repo.repo, "maintainer", "write");
  const { client, store } = await connectAs(server, repo, "maintainer");
  await store.ensureLabels(LABELS);
  w = { server, bare, client, store };
});
afterEach(async () => {
  try {
    w.server.assertNoViolations();
  } finally {
    await w.server.close();
    rmSync(w.bare.root, { recursive: true, force: true });
  }
});

const NOW = () => new Date();
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** A running goal whose attempt-1 claim was posted a while ago and whose lease has run out. */
async function lostGoal(title: string) {
  const { number } = await createGoal(w.store, {
    title,
    body: GOAL_BODY,
    queue: true,
    spotCheck: false,
  });
  await w.store.recordMarker(number, "claim", {
    kind: "claim",
    attempt: 1,
    claimId: "c1",
    claimedBy: { host: "box", pid: 1 },
    claimedAt: minutesFromNow(-1),
    leaseExpiresAt: minutesFromNow(-0.5),
    branch: `goal/${number}-work`,
    ...(await vettedText(w.store, number)),
  });
  await w.store.transition(number, { to: "running", expectedFrom: "queued", reason: "claimed" });
  return number;
}

async function openPullRequest(number: number) {
  await w.bare.commitOnBranch(`goal/${number}-work`, "work.txt", "done\n");
  const { data } = await w.client.rest.pulls.create({
    ...repo,
    head: `goal/${number}-work`,
    base: "main",
    title: "work",
  });
  return data;
}

async function reconcile(number: number) {
  const goal = await w.store.getGoal(number);
  const events = await reconcileRunning(
    w.store,
    new GitHubActionsApi(w.client, repo),
    new GitHubPullRequests(w.client, repo),
    [goal],
    { maxAttempts: 3, maxReviewRounds: 3, dryRun: false, now: NOW(), log: () => {} },
  );
  const after = await w.store.getGoal(number);
  const result = after.markers.findLast(
    (m): m is RunResultMarker & { createdAt: string } => m.kind === "run-result",
  );
  return { events, state: after.state, result };
}

describe("reconcileRunning: a pull request decides before an attempt is written off", () => {
  it("a lost run whose pull request has auto-merge enabled is done, not run again", async () => {
    const number = await lostGoal("Auto merging");
    const pull = await openPullRequest(number);
    await w.client.graphql(ENABLE_AUTO_MERGE_MUTATION, {
      pullRequestId: pull.node_id,
      mergeMethod: "SQUASH",
    });
    const { events, state, result } = await reconcile(number);
    assert.equal(state, "done");
    assert.match(events[0]?.reason ?? "", /pull request #\d+ has auto-merge enabled/);
    assert.equal(result?.outcome, "success");
    assert.equal(result?.prUrl, pull.html_url);
    assert.equal(result?.countsAsAttempt, true);
  });

  it("a lost run whose pull request was merged is done", async () => {
    const number = await lostGoal("Merged");
    const pull = await openPullRequest(number);
    w.server.state.repos.get("acme/widgets")?.protectedBranches.clear();
    await w.client.rest.pulls.merge({ ...repo, pull_number: pull.number });
    const { state, result } = await reconcile(number);
    assert.equal(state, "done");
    assert.equal(result?.prUrl, pull.html_url);
  });

  it("a lost run whose pull request is open without auto-merge goes to spot-check", async () => {
    const number = await lostGoal("Waiting");
    const pull = await openPullRequest(number);
    const { state, result } = await reconcile(number);
    assert.equal(state, "spot-check");
    assert.equal(result?.outcome, "spot-check");
    assert.equal(result?.prUrl, pull.html_url);
  });

  it("a pull request closed unmerged does not count: the attempt was lost", async () => {
    const number = await lostGoal("Closed");
    const pull = await openPullRequest(number);
    await w.client.rest.pulls.update({ ...repo, pull_number: pull.number, state: "closed" });
    const { state, result } = await reconcile(number);
    assert.equal(state, "queued");
    assert.equal(result?.outcome, "failure");
    assert.match(result?.reason ?? "", /lease expired/);
  });

  it("completes a move the runner recorded before its label could change", async () => {
    const number = await lostGoal("Recorded");
    // What a runner that died between its result comment and its label leaves behind.
    await w.store.recordMarker(number, "**running → done**: attempt 1 succeeded", {
      kind: "transition",
      from: "running",
      to: "done",
      reason: "attempt 1 succeeded",
    });
    const { events, state } = await reconcile(number);
    assert.equal(state, "done");
    assert.match(events[0]?.reason ?? "", /completing the move of attempt 1 to goal:done/);
  });

  it("a live lease is left alone, and no pull request is looked up", async () => {
    const number = await lostGoal("Live");
    const goal = await w.store.getGoal(number);
    const before = w.server.requests.length;
    const events = await reconcileRunning(
      w.store,
      new GitHubActionsApi(w.client, repo),
      new GitHubPullRequests(w.client, repo),
      [goal],
      {
        maxAttempts: 3,
        maxReviewRounds: 3,
        dryRun: false,
        now: new Date(Date.now() - 60 * 60_000),
        log: () => {},
      },
    );
    assert.deepEqual(events, []);
    assert.equal(w.server.requests.length, before);
  });
});
