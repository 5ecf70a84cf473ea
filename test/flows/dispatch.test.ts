import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { attemptsUsed } from "../../src/core/attempts.js";
import { encodeMarker } from "../../src/core/markers.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { dispatchCycle, dispatchSummary, usdPerDay } from "../helpers/dispatch-cycle.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { goalHelpers, hoursFromNow } from "../helpers/goals.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// dispatch() in-process, wired as the dispatcher action wires it, against the local GitHub API
// server: which goals a cycle claims, re-queues, makes stuck or done, and what GitHub holds
// afterwards. The bundle's own wiring (inputs, outputs, exit codes) is smoke-tested in
// test/actions/dispatch-action.test.ts.

let w: TestWorld;
const owner = "acme";
const repo = "widgets";

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

const { goal, stateLabels, comment, retriedGoal, runningGoal, endAttempt } = goalHelpers(() => w);

describe("claiming many goals at once", () => {
  it("posts every claim comment in one request, verifies them in one read and moves them in one request", async () => {
    const numbers: number[] = [];
    for (let i = 1; i <= 12; i++) numbers.push(await goal(`goal ${i}`));
    w.server.resetRequests();
    const { claims } = await dispatchCycle(w, { max: 10 });
    assert.deepEqual(
      claims.map(([number]) => number),
      numbers.slice(0, 10),
    );
    const writes = w.server.requests.filter((r) => r.method !== "GET" && r.path !== "/graphql");
    // No comment by REST: the claims go in one request, the moves to running are edits of them.
    assert.deepEqual(
      writes.filter((r) => r.operationId === "issues/create-comment"),
      [],
    );
    assert.deepEqual(
      w.server.requests
        .filter((r) =>
          ["AddComments", "Goals", "LabelIds", "StartRuns"].includes(r.graphqlOperationName ?? ""),
        )
        .map((r) => [r.graphqlOperationName, r.contentCreating]),
      // The labels' ids come from the cycle's overview: no read of them.
      [
        ["AddComments", 10],
        ["Goals", 0],
        ["StartRuns", 0],
      ],
    );
    assert.equal(writes.filter((r) => r.operationId === "issues/set-labels").length, 0);
    for (const number of numbers.slice(0, 10)) {
      assert.deepEqual(await stateLabels(number), ["goal:running"]);
      const { data } = await w.client.rest.issues.listComments({
        owner,
        repo,
        issue_number: number,
      });
      const claimComment = data.filter((c) => c.body?.startsWith("Claiming attempt 1"));
      assert.equal(claimComment.length, 1, `#${number}: one claim comment`);
      assert.match(claimComment[0]?.body ?? "", /\*\*queued → running\*\*/);
      const goal = await w.store.getGoal(number);
      assert.deepEqual(
        goal.markers.map((m) => m.kind),
        ["claim", "transition"],
        `#${number}: the claim comment's claim and its move`,
      );
    }
    for (const number of numbers.slice(10))
      assert.deepEqual(await stateLabels(number), ["goal:queued"]);
  });
});

describe("claim comments refused or lost", () => {
  it("splits more than 50 claim comments into requests of at most 50", async () => {
    for (let i = 1; i <= 52; i++) await goal(`goal ${i}`);
    // Creating 52 goals took this minute's content budget: the split is what is under test.
    w.server.setLimits({ secondary: false });
    w.server.resetRequests();
    const { claims } = await dispatchCycle(w, { max: 52 });
    assert.equal(claims.length, 52);
    assert.deepEqual(
      w.server.requests
        .filter((r) => r.graphqlOperationName === "AddComments")
        .map((r) => r.contentCreating),
      [50, 2],
    );
  });

  it("leaves out a goal deleted while its claim was posted; the other claims stand", async () => {
    const numbers = [await goal("a"), await goal("b"), await goal("c")];
    const deleted = numbers[1] ?? 0;
    w.server.faults.hook({
      route: "graphql",
      graphqlOperation: "AddComments",
      at: "before",
      run: () => {
        const model = w.server.state.requireRepo(owner, repo);
        const issue = model.issues.get(deleted);
        model.issues.delete(deleted);
        if (issue) w.server.state.nodes.delete(issue.nodeId);
      },
    });
    const { claims, log } = await dispatchCycle(w, { max: 3 });
    assert.deepEqual(claims, [
      [numbers[0], 1],
      [numbers[2], 1],
    ]);
    assert.ok(
      log.includes(`#${deleted}: GitHub refused its claim comment; not claimed this cycle`),
      log.join("\n"),
    );
    for (const number of [numbers[0], numbers[2]])
      assert.deepEqual(await stateLabels(number ?? 0), ["goal:running"]);
  });

  it("claims posted whose answers were all lost run nothing, and are withdrawn without using an attempt", async () => {
    const numbers = [await goal("a"), await goal("b")];
    w.server.faults.hook({
      route: "graphql",
      graphqlOperation: "AddComments",
      at: "after",
      drop: true,
      times: Number.POSITIVE_INFINITY,
    });
    await assert.rejects(dispatchCycle(w, { max: 2 }));
    for (const number of numbers) {
      assert.deepEqual(await stateLabels(number ?? 0), ["goal:queued"], "nothing ran");
      const claims = (await w.store.getGoal(number ?? 0)).markers.filter((m) => m.kind === "claim");
      assert.ok(claims.length > 0, "the claims were posted, their answers lost");
    }
    w.server.faults.clear();
    const { claims } = await dispatchCycle(w, { max: 2 });
    for (const number of numbers) {
      const goal = await w.store.getGoal(number ?? 0);
      assert.equal(goal.state, "running");
      assert.equal(attemptsUsed(goal.markers), 1, "the lost claims were withdrawn, not counted");
    }
    assert.deepEqual(
      claims.map(([number]) => number),
      numbers,
    );
  });
});

describe("dispatch order", () => {
  it("claims the oldest queued goals up to max, each as a claim of this workflow run", async () => {
    const numbers: number[] = [];
    for (const title of ["a", "b", "c", "d"]) numbers.push(await goal(title));
    const { report, matrix, claims } = await dispatchCycle(w, { max: 2 });
    assert.deepEqual(claims, [
      [numbers[0], 1],
      [numbers[1], 1],
    ]);
    assert.deepEqual(
      matrix.map((entry) => [entry.title, entry.repository]),
      [
        ["a", "acme/widgets"],
        ["b", "acme/widgets"],
      ],
    );
    assert.equal(report.running, 2);
    assert.equal(report.queued, 2);
    assert.deepEqual(report.notes, []);
    assert.deepEqual(await stateLabels(numbers[0] ?? 0), ["goal:running"]);
    assert.deepEqual(await stateLabels(numbers[1] ?? 0), ["goal:running"]);
    assert.deepEqual(await stateLabels(numbers[2] ?? 0), ["goal:queued"]);
    assert.deepEqual(await stateLabels(numbers[3] ?? 0), ["goal:queued"]);
    const claim = (await w.store.getGoal(numbers[0] ?? 0)).markers.find((m) => m.kind === "claim");
    assert.ok(claim?.kind === "claim");
    assert.equal(claim.claimedBy.runId, "1001");
    assert.equal(claim.claimedBy.runUrl, "https://github.com/acme/widgets/actions/runs/1001");
  });

  it("counts running goals against max and claims nothing when full", async () => {
    await runningGoal("busy", { leaseExpiresAt: hoursFromNow(3), runId: "900" });
    w.server.addWorkflowRun(owner, repo, { id: 900, status: "in_progress" });
    const waiting = await goal("waiting");
    const { report, matrix } = await dispatchCycle(w, { max: 1 });
    assert.deepEqual(matrix, []);
    assert.equal(report.running, 1);
    assert.deepEqual(report.notes, ["1 goals are running, the maximum is 1."]);
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);
  });

  it("runs fresh goals before retries, and a goal only after its dependencies are done", async () => {
    const retry = await retriedGoal("retry", 1);
    const first = await goal("first");
    const second = await goal("second", { body: `${GOAL_BODY}\nDepends: #${first}\n` });
    const fresh = await goal("fresh");
    const one = await dispatchCycle(w, { max: 2 });
    assert.deepEqual(
      one.matrix.map((entry) => entry.goal),
      [first, fresh],
    );

    await w.store.transition(first, { to: "done", reason: "finished in the test" });
    const two = await dispatchCycle(w, { max: 4 });
    assert.deepEqual(two.claims, [
      [second, 1],
      [retry, 2],
    ]);
  });

  it("makes goals with impossible dependencies stuck, saying why", async () => {
    const missing = await goal("missing");
    await w.client.rest.issues.update({
      owner,
      repo,
      issue_number: missing,
      body: `${GOAL_BODY}\nDepends: #999\n`,
    });
    const a = await goal("a");
    const b = await goal("b", { body: `${GOAL_BODY}\nDepends: #${a}\n` });
    await w.client.rest.issues.update({
      owner,
      repo,
      issue_number: a,
      body: `${GOAL_BODY}\nDepends: #${b}\n`,
    });
    const self = await goal("self");
    await w.client.rest.issues.update({
      owner,
      repo,
      issue_number: self,
      body: `${GOAL_BODY}\nDepends: #${self}\n`,
    });
    const { report, matrix } = await dispatchCycle(w, { max: 5 });
    assert.deepEqual(matrix, []);
    assert.equal(report.stuck.length, 4);
    for (const number of [missing, a, b, self])
      assert.deepEqual(await stateLabels(number), ["goal:stuck"]);
    const comments = await w.client.rest.issues.listComments({ owner, repo, issue_number: a });
    assert.match(comments.data.at(-1)?.body ?? "", /part of a cycle: #\d+ → #\d+ → #\d+/);
    const missingComments = await w.client.rest.issues.listComments({
      owner,
      repo,
      issue_number: missing,
    });
    assert.match(missingComments.data.at(-1)?.body ?? "", /#999 does not exist/);
  });

  it("waits for GitHub's native blocked-by links too", async () => {
    const blocker = await goal("blocker", { queue: false });
    const blocked = await goal("blocked");
    const blockerIssue = await w.client.rest.issues.get({ owner, repo, issue_number: blocker });
    await w.client.request(
      "POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
      {
        owner,
        repo,
        issue_number: blocked,
        issue_id: blockerIssue.data.id,
      },
    );
    assert.deepEqual((await dispatchCycle(w, { max: 3 })).matrix, []);
    await w.client.rest.issues.update({
      owner,
      repo,
      issue_number: blocker,
      state: "closed",
      state_reason: "completed",
    });
    assert.deepEqual(
      (await dispatchCycle(w, { max: 3 })).matrix.map((entry) => entry.goal),
      [blocked],
    );
  });

  it("reports without changing anything in a dry run", async () => {
    const number = await goal("dry");
    const expired = await runningGoal("expired", { leaseExpiresAt: hoursFromNow(-1) });
    w.server.resetRequests();
    const { report, matrix } = await dispatchCycle(w, { max: 2, dryRun: true });
    assert.deepEqual(
      matrix.map((entry) => entry.goal),
      [number],
    );
    assert.equal(report.requeued.length, 1);
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    assert.deepEqual(await stateLabels(expired), ["goal:running"]);
    const writes = w.server.requests.filter(
      (r) => r.method !== "GET" && r.operationId !== "graphql",
    );
    assert.deepEqual(writes, [], "a dry run writes nothing");
  });
});

describe("the manual path (a goal number)", () => {
  it("runs a draft goal now, ahead of the queue and of max", async () => {
    await runningGoal("busy", { leaseExpiresAt: hoursFromNow(3), runId: "901" });
    w.server.addWorkflowRun(owner, repo, { id: 901, status: "in_progress" });
    const older = await goal("older");
    const draft = await goal("draft", { queue: false });
    const { claims } = await dispatchCycle(w, { max: 1, goal: draft });
    assert.deepEqual(claims, [[draft, 1]]);
    assert.deepEqual(await stateLabels(draft), ["goal:running"]);
    assert.deepEqual(await stateLabels(older), ["goal:queued"]);
  });

  it("refuses a running or done goal, naming the state", async () => {
    const running = await runningGoal("running", { leaseExpiresAt: hoursFromNow(3), runId: "902" });
    w.server.addWorkflowRun(owner, repo, { id: 902, status: "in_progress" });
    await assert.rejects(
      dispatchCycle(w, { goal: running }),
      /^UserError: Goal #\d+ is goal:running: an agent is already working on it/,
    );
    await w.store.transition(running, { to: "done", reason: "finished" });
    await assert.rejects(dispatchCycle(w, { goal: running }), /is goal:done: it is finished/);
    assert.deepEqual(await stateLabels(running), ["goal:done"]);
  });
});

describe("the cost budget", () => {
  /** A goal that ran today for `costUsd` (null: the run reported no cost) and is done. */
  async function finishedToday(title: string, costUsd: number | null) {
    const number = await goal(title);
    const finished = new Date();
    await comment(number, {
      kind: "run-result",
      attempt: 1,
      outcome: "success",
      reason: "committed",
      countsAsAttempt: true,
      stats: {
        repository: `${owner}/${repo}`,
        goal: number,
        attempt: 1,
        outcome: "success",
        started_at: new Date(finished.getTime() - 60_000).toISOString(),
        finished_at: finished.toISOString(),
        cost_usd: costUsd,
      },
    });
    await w.store.transition(number, { to: "running", reason: "claimed in the test" });
    await w.store.transition(number, { to: "done", reason: "finished in the test" });
  }

  it("claims nothing new once today's cost, estimates included, reaches the budget, and says so", async () => {
    await finishedToday("spent", 4);
    await finishedToday("spent more", 1.5);
    await finishedToday("no cost reported", null);
    const waiting = await goal("waiting");

    // The run without a cost (nor an agent time) counts the default unknown-run-cost, $5.
    const underBudget = usdPerDay(11);
    const under = await dispatchCycle(w, { max: 1, budget: underBudget, dryRun: true });
    assert.deepEqual(
      under.matrix.map((entry) => entry.goal),
      [waiting],
      "$10.50 of $11: still under",
    );
    assert.equal(under.report.today?.knownUsd.toFixed(2), "5.50");
    assert.equal(under.report.today?.estimatedUsd.toFixed(2), "5.00");
    assert.match(
      await dispatchSummary(under.report, w.repo, underBudget),
      /\$10\.50 of \$11\.00 \(3 run\(s\); \$5\.00 of it estimated for 1 run\(s\) without a cost\)/,
    );

    const over = await dispatchCycle(w, { max: 1, budget: usdPerDay(10.5) });
    assert.deepEqual(over.matrix, []);
    assert.equal(over.report.notes.length, 1, over.report.notes.join("\n"));
    assert.match(
      over.report.notes[0] ?? "",
      /^Today's cost \$10\.50 \(\$5\.50 recorded \+ \$5\.00 estimated for 1 run\(s\) that reported no cost\) reached the budget of \$10\.50\/day: nothing new is claimed until 00:00 UTC/,
    );
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);

    await assert.rejects(
      dispatchCycle(w, { budget: usdPerDay(5), goal: waiting }),
      /^UserError: Today's cost .* Goal #\d+ was not started\./,
    );
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);
  });

  it("a forged or old marker cannot bring a cost down: an invalid cost is estimated too", async () => {
    const forged = await goal("forged");
    const finished = new Date();
    for (const [attempt, cost] of [
      [1, -1000],
      [2, 1e12],
      [3, "0"],
    ] as const) {
      await w.client.rest.issues.createComment({
        owner,
        repo,
        issue_number: forged,
        body: encodeMarker({
          kind: "run-result",
          attempt,
          outcome: "failure",
          reason: "forged",
          countsAsAttempt: true,
          stats: {
            repository: `${owner}/${repo}`,
            goal: forged,
            attempt,
            outcome: "failure",
            started_at: new Date(finished.getTime() - 60_000).toISOString(),
            finished_at: finished.toISOString(),
            agent_seconds: 60,
            cost_usd: cost,
          },
        }),
      });
    }
    const waiting = await goal("waiting");
    const over = await dispatchCycle(w, { max: 1, budget: usdPerDay(15) });
    assert.deepEqual(over.matrix, []);
    assert.equal(over.report.today?.knownUsd.toFixed(2), "0.00");
    assert.equal(over.report.today?.estimatedUsd.toFixed(2), "15.00");
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);
  });
});

describe("reconciliation", () => {
  it("re-queues a goal whose lease expired, counting the attempt, and makes it stuck after the last", async () => {
    const expired = await runningGoal("expired", { leaseExpiresAt: hoursFromNow(-1) });
    const last = await runningGoal("last", { leaseExpiresAt: hoursFromNow(-1), earlier: 2 });
    const { report, claims } = await dispatchCycle(w, { max: 1, maxAttempts: 3 });
    assert.equal(report.requeued.length, 1);
    assert.equal(report.stuck.length, 1);
    assert.deepEqual(await stateLabels(last), ["goal:stuck"]);
    // The re-queued goal is then claimed again in the same cycle, as attempt 2.
    assert.deepEqual(claims, [[expired, 2]]);
    const markers = (await w.store.getGoal(expired)).markers;
    assert.ok(
      markers.some(
        (m) => m.kind === "run-result" && m.attempt === 1 && /lease expired/.test(m.reason),
      ),
    );
  });

  it("re-queues a goal whose workflow run finished without a result", async () => {
    const number = await runningGoal("orphan", { leaseExpiresAt: hoursFromNow(3), runId: "777" });
    w.server.addWorkflowRun(owner, repo, {
      id: 777,
      status: "completed",
      conclusion: "cancelled",
    });
    const { report } = await dispatchCycle(w, { max: 1 });
    assert.equal(report.requeued.length, 1);
    const markers = (await w.store.getGoal(number)).markers;
    assert.ok(
      markers.some(
        (m) =>
          m.kind === "run-result" && /workflow run 777 finished without a result/.test(m.reason),
      ),
    );
  });

  it("reads the runs of many running goals with one listing, and a finished one by itself", async () => {
    const alive: number[] = [];
    for (const id of [801, 802, 803, 804]) {
      w.server.addWorkflowRun(owner, repo, { id, status: "in_progress" });
      alive.push(
        await runningGoal(`alive ${id}`, { leaseExpiresAt: hoursFromNow(3), runId: String(id) }),
      );
    }
    w.server.addWorkflowRun(owner, repo, { id: 805, status: "completed", conclusion: "failure" });
    const orphan = await runningGoal("orphan", { leaseExpiresAt: hoursFromNow(3), runId: "805" });
    w.server.resetRequests();
    const { report } = await dispatchCycle(w, { max: 10 });
    assert.deepEqual(
      report.requeued.map((event) => event.number),
      [orphan],
    );
    const runReads = w.server.requests.filter((r) => r.operationId?.startsWith("actions/"));
    const oneLook = [
      ["actions/list-workflow-runs-for-repo", "in_progress"],
      ["actions/get-workflow-run", "805"],
    ];
    // Twice: nothing to claim, so the cycle looks without the lock first, then acts under it.
    assert.deepEqual(
      runReads.map((r) => [r.operationId, r.query.status ?? r.path.split("/").pop()]),
      [...oneLook, ...oneLook],
    );
    for (const number of alive) assert.equal((await w.store.getGoal(number)).state, "running");
  });

  it("closes stories whose goals are all done", async () => {
    const story = (
      await w.client.rest.issues.create({ owner, repo, title: "story", labels: ["story"] })
    ).data.number;
    const one = await createGoal(w.store, {
      title: "one",
      body: GOAL_BODY,
      story: String(story),
      queue: false,
      spotCheck: false,
    });
    const two = await createGoal(w.store, {
      title: "two",
      body: GOAL_BODY,
      story: String(story),
      queue: false,
      spotCheck: false,
    });
    await w.client.rest.issues.update({
      owner,
      repo,
      issue_number: one.number,
      labels: ["goal:done"],
    });
    await dispatchCycle(w, { max: 1 });
    assert.equal(
      (await w.client.rest.issues.get({ owner, repo, issue_number: story })).data.state,
      "open",
    );
    await w.client.rest.issues.update({
      owner,
      repo,
      issue_number: two.number,
      state: "closed",
      state_reason: "completed",
    });
    const { report } = await dispatchCycle(w, { max: 1 });
    assert.deepEqual(report.storiesClosed, [story]);
    assert.equal(
      (await w.client.rest.issues.get({ owner, repo, issue_number: story })).data.state,
      "closed",
    );
  });
});

describe("attempts", () => {
  it("withdraws a claim whose dispatcher stopped before moving the label, and claims anew", async () => {
    const number = await goal("half-claimed");
    await comment(number, {
      kind: "claim",
      attempt: 1,
      claimId: "lost",
      claimedBy: { runId: "9" },
      claimedAt: hoursFromNow(0),
      leaseExpiresAt: hoursFromNow(4), // a live lease: before, it blocked every claim for hours
    });
    const { claims } = await dispatchCycle(w, { max: 1 });
    assert.deepEqual(claims, [[number, 2]]);
    const markers = (await w.store.getGoal(number)).markers;
    const withdrawn = markers.find((m) => m.kind === "run-result" && m.attempt === 1);
    assert.ok(withdrawn?.kind === "run-result" && !withdrawn.countsAsAttempt, "withdrawn");
    assert.match(withdrawn.reason, /claim never became a run/);
    assert.equal(attemptsUsed(markers), 1, "only the new claim counts");
  });

  it("makes a queued goal that used every attempt stuck, instead of claiming one more", async () => {
    const spent = await retriedGoal("spent", 3);
    const { matrix } = await dispatchCycle(w, { max: 1, maxAttempts: 3 });
    assert.deepEqual(matrix, []);
    assert.deepEqual(await stateLabels(spent), ["goal:stuck"]);
    const reasons = (await w.store.getGoal(spent)).markers.flatMap((m) =>
      m.kind === "transition" ? [m.reason] : [],
    );
    assert.ok(
      reasons.some((reason) => /used all 3 of its attempts/.test(reason)),
      reasons.join(),
    );
  });
});

describe("GitHub's trouble", () => {
  it("says which step failed, what GitHub answered and how many times", async () => {
    await goal("waits");
    w.server.faults.add({
      route: "issues/list-comments-for-repo",
      status: 502,
      times: Number.POSITIVE_INFINITY,
    });
    // "4 times": the client's retries, on purpose. Today's cost is read with a budget only.
    await assert.rejects(
      dispatchCycle(w, { budget: { amountUsd: 50, period: "day" } }),
      /^UserError: Adding up today's cost: GitHub answered 502 Bad Gateway 4 times while listing the comments written since \S+ \(GET \/repos\/acme\/widgets\/issues\/comments\)/,
    );
  });
});

/** A pull request from a new branch with one commit, as a goal's run opens it. */
async function goalPull(number: number, branch: string, title: string) {
  await w.bare.commitOnBranch(branch, `goal-${number}.txt`, `${title}\n`);
  const { data } = await w.client.rest.pulls.create({
    owner,
    repo,
    head: branch,
    base: "main",
    title,
  });
  return data;
}

describe("reviews done on GitHub", () => {
  async function spotCheckGoalWithPull(title: string) {
    const number = await goal(title);
    const pull = await goalPull(number, `goal/${number}-review`, title);
    await endAttempt(number, "spot-check", {
      outcome: "spot-check",
      reason: "exit 3",
      prUrl: pull.html_url,
    });
    return { number, pull: pull.number };
  }

  it("a merged pull request makes its goal done; a closed one re-queues it with feedback", async () => {
    const merged = await spotCheckGoalWithPull("merged by a reviewer");
    const closed = await spotCheckGoalWithPull("closed by a reviewer");
    const waiting = await spotCheckGoalWithPull("still in review");
    // A reviewer's merge: the repository's base branch is protected, so say checks are green.
    await w.server.setPullState(owner, repo, merged.pull, { mergeStateStatus: "CLEAN" });
    await w.client.rest.pulls.merge({ owner, repo, pull_number: merged.pull });
    await w.client.rest.pulls.update({ owner, repo, pull_number: closed.pull, state: "closed" });
    const dry = await dispatchCycle(w, { max: 1, dryRun: true });
    assert.deepEqual(
      dry.report.reviewed.map((event) => [event.number, event.to]),
      [
        [merged.number, "done"],
        [closed.number, "queued"],
      ],
    );
    assert.deepEqual(
      await stateLabels(merged.number),
      ["goal:spot-check"],
      "a dry run changes nothing",
    );
    assert.deepEqual(await stateLabels(closed.number), ["goal:spot-check"]);

    await dispatchCycle(w, { max: 1 });
    assert.deepEqual(await stateLabels(merged.number), ["goal:done"]);
    assert.deepEqual(await stateLabels(waiting.number), ["goal:spot-check"]);
    // The closed one was re-queued, then claimed again in the same cycle as attempt 2.
    const reopened = await w.store.getGoal(closed.number);
    assert.ok(
      reopened.markers.some(
        (m) => m.kind === "feedback" && m.source === "pr-closed" && m.attempt === 1,
      ),
    );
    assert.ok(reopened.markers.some((m) => m.kind === "claim" && m.attempt === 2));
  });
});

describe("watching goal pull requests", () => {
  async function doneGoalWithPull(title: string, earlierAttempts = 0) {
    const number =
      earlierAttempts > 0 ? await retriedGoal(title, earlierAttempts) : await goal(title);
    const pull = await goalPull(number, `goal/${number}-watch`, title);
    await endAttempt(number, "done", {
      attempt: earlierAttempts + 1,
      outcome: "success",
      reason: "exit 0",
      prUrl: pull.html_url,
    });
    return { number, pull: pull.number, sha: pull.head.sha };
  }

  it("closes a goal PR whose checks failed and re-queues the goal with the failing checks", async () => {
    const failing = await doneGoalWithPull("failing CI");
    const green = await doneGoalWithPull("green CI");
    const last = await doneGoalWithPull("failing on the last attempt", 2);
    for (const target of [failing, last]) {
      await w.server.addCheckRun(owner, repo, {
        headSha: target.sha,
        name: "test (ubuntu)",
        status: "completed",
        conclusion: "failure",
        output: { title: "2 tests failed", summary: "widgets export --csv: expected a header row" },
      });
    }
    await w.server.addCheckRun(owner, repo, {
      headSha: green.sha,
      name: "test (ubuntu)",
      status: "completed",
      conclusion: "success",
    });
    const { claims } = await dispatchCycle(w, { max: 1, maxAttempts: 3 });
    assert.equal(
      (await w.client.rest.pulls.get({ owner, repo, pull_number: failing.pull })).data.state,
      "closed",
    );
    assert.equal(
      (await w.client.rest.pulls.get({ owner, repo, pull_number: green.pull })).data.state,
      "open",
    );
    assert.deepEqual(await stateLabels(green.number), ["goal:done"]);
    assert.deepEqual(await stateLabels(last.number), ["goal:stuck"]);
    const markers = (await w.store.getGoal(failing.number)).markers;
    const feedback = markers.find((m) => m.kind === "feedback");
    assert.equal(feedback?.kind === "feedback" ? feedback.source : null, "ci-failed");
    assert.match(
      feedback?.kind === "feedback" ? feedback.text : "",
      /test \(ubuntu\) \(failure\)[\s\S]*expected a header row/,
    );
    // Re-queued, then claimed again in the same cycle as attempt 2.
    assert.deepEqual(claims, [[failing.number, 2]]);
  });
});

describe("runner capacity", () => {
  it("claims no more goals than idle online runners carry the labels", async () => {
    for (const title of ["r1", "r2", "r3"]) await goal(title);
    w.server.addRunner(owner, repo, {
      name: "box-1",
      labels: ["self-hosted", "Linux", "X64", "ralph"],
    });
    w.server.addRunner(owner, repo, {
      name: "box-2",
      labels: ["self-hosted", "Linux", "X64", "ralph"],
      busy: true,
    });
    w.server.addRunner(owner, repo, {
      name: "box-3",
      labels: ["self-hosted", "Linux", "X64", "ralph"],
      status: "offline",
    });
    w.server.addRunner(owner, repo, { name: "other", labels: ["self-hosted", "Linux", "X64"] });
    const admin = await w.as("admin-bot", "admin");
    const { report, matrix } = await dispatchCycle(
      w,
      { max: 3, runnerLabels: ["self-hosted", "ralph"] },
      { runnersClient: admin.client },
    );
    assert.equal(matrix.length, 1);
    assert.deepEqual(report.notes, [
      "Only 1 idle self-hosted runner(s) labelled self-hosted, ralph.",
    ]);
  });

  it("explains a runners-token that cannot list runners", async () => {
    const waiting = await goal("r1");
    await assert.rejects(
      dispatchCycle(w, { max: 3, runnerLabels: ["ralph"] }, { runnersClient: w.client }),
      /^UserError: "runners-token" cannot list the self-hosted runners of acme\/widgets \(403\): it needs administration read access/,
    );
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);
  });
});
