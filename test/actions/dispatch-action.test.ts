import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { attemptsUsed } from "../../src/core/attempts.js";
import { encodeMarker, type Marker } from "../../src/core/markers.js";
import { isStateLabel, LABELS } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import type { ActionRun } from "../helpers/action-runner.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";
import { bundleRuntimes } from "../helpers/runtimes.js";

// The bundled dispatcher, run as the workflow runs it, against the local GitHub API server.

let gh: GitHubFixture;
const owner = "acme";
const repo = "widgets";

beforeEach(async () => {
  gh = await startGitHubFixture();
  await gh.store.ensureLabels(LABELS);
});
afterEach(async () => {
  gh.server.assertNoViolations();
  await gh.close();
});

/** Runs the bundled dispatcher inside a (seeded) workflow run that is still in progress. */
const runDispatch: GitHubFixture["dispatch"] = (inputs, options) => gh.dispatch(inputs, options);

function matrix(
  result: ActionRun,
): Array<{ goal: number; attempt: number; title: string; repository: string }> {
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const parsed = JSON.parse(result.outputs.matrix ?? "") as {
    include: Array<{ goal: number; attempt: number; title: string; repository: string }>;
  };
  return parsed.include;
}

async function goal(title: string, options: { queue?: boolean; body?: string } = {}) {
  const created = await createGoal(gh.store, {
    title,
    body: options.body ?? GOAL_BODY,
    queue: options.queue ?? true,
    spotCheck: false,
  });
  return created.number;
}

async function stateLabels(number: number): Promise<string[]> {
  const { data } = await gh.client.rest.issues.listLabelsOnIssue({
    owner,
    repo,
    issue_number: number,
  });
  return data.map((label) => label.name).filter(isStateLabel);
}

async function comment(number: number, marker: Marker) {
  await gh.client.rest.issues.createComment({
    owner,
    repo,
    issue_number: number,
    body: encodeMarker(marker),
  });
}

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** A goal that ran `attempts` times and failed each time, now queued again. */
async function retriedGoal(title: string, attempts: number) {
  const number = await goal(title);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await comment(number, {
      kind: "claim",
      attempt,
      claimId: `c${attempt}`,
      claimedBy: { runId: "1" },
      claimedAt: hoursFromNow(-5),
      leaseExpiresAt: hoursFromNow(-1),
    });
    await comment(number, {
      kind: "run-result",
      attempt,
      outcome: "failure",
      reason: "exit 1",
      countsAsAttempt: true,
    });
  }
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
  await gh.store.transition(number, { to: "running", reason: "claimed in the test" });
  return number;
}

for (const runtime of bundleRuntimes()) {
  it(`claims the oldest queued goals up to max (bundle on ${runtime.name})`, async () => {
    const numbers: number[] = [];
    for (const title of ["a", "b", "c", "d"]) numbers.push(await goal(title));
    const result = await runDispatch({ max: "2" }, { node: runtime.node });
    assert.deepEqual(
      matrix(result).map((entry) => [entry.goal, entry.attempt, entry.repository]),
      [
        [numbers[0], 1, "acme/widgets"],
        [numbers[1], 1, "acme/widgets"],
      ],
    );
    assert.equal(result.outputs.claimed, "2");
    assert.equal(result.outputs.running, "2");
    assert.equal(result.outputs.queued, "2");
    assert.deepEqual(await stateLabels(numbers[0] ?? 0), ["goal:running"]);
    assert.deepEqual(await stateLabels(numbers[2] ?? 0), ["goal:queued"]);
    const claimed = await gh.store.getGoal(numbers[0] ?? 0);
    const claim = claimed.markers.find((m) => m.kind === "claim");
    assert.equal(
      claim?.kind === "claim" ? claim.claimedBy.runUrl : "",
      "https://github.com/acme/widgets/actions/runs/1001",
    );
    assert.match(result.summary, /<th>queued<\/th>/);
  });
}

describe("dispatch order", () => {
  it("counts running goals against max and claims nothing when full", async () => {
    await runningGoal("busy", { leaseExpiresAt: hoursFromNow(3), runId: "900" });
    gh.server.addWorkflowRun(owner, repo, { id: 900, status: "in_progress" });
    await goal("waiting");
    const result = await runDispatch({ max: "1" });
    assert.deepEqual(matrix(result), []);
    assert.equal(result.outputs.running, "1");
    assert.match(result.stdout, /1 goals are running, the maximum is 1/);
  });

  it("runs fresh goals before retries, and a goal only after its dependencies are done", async () => {
    const retry = await retriedGoal("retry", 1);
    const first = await goal("first");
    const second = await goal("second", { body: `${GOAL_BODY}\nDepends: #${first}\n` });
    const fresh = await goal("fresh");
    const one = await runDispatch({ max: "2" });
    assert.deepEqual(
      matrix(one).map((entry) => entry.goal),
      [first, fresh],
    );

    await gh.store.transition(first, { to: "done", reason: "finished in the test" });
    const two = await runDispatch({ max: "4" });
    assert.deepEqual(
      matrix(two).map((entry) => [entry.goal, entry.attempt]),
      [
        [second, 1],
        [retry, 2],
      ],
    );
  });

  it("makes goals with impossible dependencies stuck, saying why", async () => {
    const missing = await goal("missing");
    await gh.client.rest.issues.update({
      owner,
      repo,
      issue_number: missing,
      body: `${GOAL_BODY}\nDepends: #999\n`,
    });
    const a = await goal("a");
    const b = await goal("b", { body: `${GOAL_BODY}\nDepends: #${a}\n` });
    await gh.client.rest.issues.update({
      owner,
      repo,
      issue_number: a,
      body: `${GOAL_BODY}\nDepends: #${b}\n`,
    });
    const self = await goal("self");
    await gh.client.rest.issues.update({
      owner,
      repo,
      issue_number: self,
      body: `${GOAL_BODY}\nDepends: #${self}\n`,
    });
    const result = await runDispatch({ max: "5" });
    assert.deepEqual(matrix(result), []);
    assert.equal(result.outputs.stuck, "4");
    for (const number of [missing, a, b, self])
      assert.deepEqual(await stateLabels(number), ["goal:stuck"]);
    const comments = await gh.client.rest.issues.listComments({ owner, repo, issue_number: a });
    assert.match(comments.data.at(-1)?.body ?? "", /part of a cycle: #\d+ → #\d+ → #\d+/);
    const missingComments = await gh.client.rest.issues.listComments({
      owner,
      repo,
      issue_number: missing,
    });
    assert.match(missingComments.data.at(-1)?.body ?? "", /#999 does not exist/);
  });

  it("waits for GitHub's native blocked-by links too", async () => {
    const blocker = await goal("blocker", { queue: false });
    const blocked = await goal("blocked");
    const blockerIssue = await gh.client.rest.issues.get({ owner, repo, issue_number: blocker });
    await gh.client.request(
      "POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
      {
        owner,
        repo,
        issue_number: blocked,
        issue_id: blockerIssue.data.id,
      },
    );
    assert.deepEqual(matrix(await runDispatch({ max: "3" })), []);
    await gh.client.rest.issues.update({
      owner,
      repo,
      issue_number: blocker,
      state: "closed",
      state_reason: "completed",
    });
    assert.deepEqual(
      matrix(await runDispatch({ max: "3" })).map((entry) => entry.goal),
      [blocked],
    );
  });

  it("reports without changing anything in a dry run", async () => {
    const number = await goal("dry");
    await runningGoal("expired", { leaseExpiresAt: hoursFromNow(-1) });
    gh.server.resetRequests();
    const result = await runDispatch({ max: "2", "dry-run": "true" });
    assert.deepEqual(
      matrix(result).map((entry) => entry.goal),
      [number],
    );
    assert.equal(result.outputs.requeued, "1");
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const writes = gh.server.requests.filter(
      (r) => r.method !== "GET" && r.operationId !== "graphql",
    );
    assert.deepEqual(writes, [], "a dry run writes nothing");
  });
});

describe("the manual path (workflow_dispatch with a goal number)", () => {
  it("runs a draft goal now, ahead of the queue and of max", async () => {
    await runningGoal("busy", { leaseExpiresAt: hoursFromNow(3), runId: "901" });
    gh.server.addWorkflowRun(owner, repo, { id: 901, status: "in_progress" });
    await goal("older");
    const draft = await goal("draft", { queue: false });
    const result = await runDispatch({ max: "1", goal: `#${draft}` });
    assert.deepEqual(
      matrix(result).map((entry) => [entry.goal, entry.attempt]),
      [[draft, 1]],
    );
    assert.deepEqual(await stateLabels(draft), ["goal:running"]);
  });

  it("refuses a running or done goal, naming the state", async () => {
    const running = await runningGoal("running", { leaseExpiresAt: hoursFromNow(3), runId: "902" });
    gh.server.addWorkflowRun(owner, repo, { id: 902, status: "in_progress" });
    const refused = await runDispatch({ goal: String(running) });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stdout,
      /::error::Goal #\d+ is goal:running: an agent is already working on it/,
    );
    await gh.store.transition(running, { to: "done", reason: "finished" });
    const done = await runDispatch({ goal: String(running) });
    assert.match(done.stdout, /is goal:done: it is finished/);
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
    await gh.store.transition(number, { to: "running", reason: "claimed in the test" });
    await gh.store.transition(number, { to: "done", reason: "finished in the test" });
  }

  it("claims nothing new once today's cost, estimates included, reaches the budget, and says so", async () => {
    await finishedToday("spent", 4);
    await finishedToday("spent more", 1.5);
    await finishedToday("no cost reported", null);
    const waiting = await goal("waiting");

    // The run without a cost (nor an agent time) counts the default unknown-run-cost, $5.
    const under = await runDispatch({ max: "1", budget: "11usd/day", "dry-run": "true" });
    assert.deepEqual(
      matrix(under).map((entry) => entry.goal),
      [waiting],
      "$10.50 of $11: still under",
    );
    assert.equal(under.outputs["cost-today"], "5.50");
    assert.equal(under.outputs["cost-today-estimated"], "5.00");
    assert.match(
      under.summary,
      /\$10\.50 of \$11\.00 \(3 run\(s\); \$5\.00 of it estimated for 1 run\(s\) without a cost\)/,
    );

    const over = await runDispatch({ max: "1", budget: "10.5usd/day" });
    assert.deepEqual(matrix(over), []);
    assert.match(
      over.stdout,
      /::notice::Today's cost \$10\.50 \(\$5\.50 recorded \+ \$5\.00 estimated for 1 run\(s\) that reported no cost\) reached the budget of \$10\.50\/day: nothing new is claimed until 00:00 UTC/,
    );
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);

    const manual = await runDispatch({ budget: "5usd/day", goal: String(waiting) });
    assert.equal(manual.code, 1);
    assert.match(manual.stdout, /::error::Today's cost .* Goal #\d+ was not started\./);
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);
  });

  it("refuses a budget it cannot read, saying what is accepted", async () => {
    await goal("waiting");
    const result = await runDispatch({ budget: "50 dollars" });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /budget.*50usd\/day/);
  });
});

describe("reconciliation", () => {
  it("re-queues a goal whose lease expired, counting the attempt, and makes it stuck after the last", async () => {
    const expired = await runningGoal("expired", { leaseExpiresAt: hoursFromNow(-1) });
    const last = await runningGoal("last", { leaseExpiresAt: hoursFromNow(-1), earlier: 2 });
    const result = await runDispatch({ max: "1", "max-attempts": "3" });
    assert.equal(result.outputs.requeued, "1");
    assert.equal(result.outputs.stuck, "1");
    assert.deepEqual(await stateLabels(last), ["goal:stuck"]);
    // The re-queued goal is then claimed again in the same cycle, as attempt 2.
    assert.deepEqual(
      matrix(result).map((entry) => [entry.goal, entry.attempt]),
      [[expired, 2]],
    );
    const markers = (await gh.store.getGoal(expired)).markers;
    assert.ok(
      markers.some(
        (m) => m.kind === "run-result" && m.attempt === 1 && /lease expired/.test(m.reason),
      ),
    );
  });

  it("re-queues a goal whose workflow run finished without a result", async () => {
    const number = await runningGoal("orphan", { leaseExpiresAt: hoursFromNow(3), runId: "777" });
    gh.server.addWorkflowRun(owner, repo, {
      id: 777,
      status: "completed",
      conclusion: "cancelled",
    });
    const result = await runDispatch({ max: "1" });
    assert.equal(result.outputs.requeued, "1");
    const markers = (await gh.store.getGoal(number)).markers;
    assert.ok(
      markers.some(
        (m) =>
          m.kind === "run-result" && /workflow run 777 finished without a result/.test(m.reason),
      ),
    );
  });

  it("closes stories whose goals are all done", async () => {
    const story = (
      await gh.client.rest.issues.create({ owner, repo, title: "story", labels: ["story"] })
    ).data.number;
    const one = await createGoal(gh.store, {
      title: "one",
      body: GOAL_BODY,
      story: String(story),
      queue: false,
      spotCheck: false,
    });
    const two = await createGoal(gh.store, {
      title: "two",
      body: GOAL_BODY,
      story: String(story),
      queue: false,
      spotCheck: false,
    });
    await gh.client.rest.issues.update({
      owner,
      repo,
      issue_number: one.number,
      labels: ["goal:done"],
    });
    await runDispatch({ max: "1" });
    assert.equal(
      (await gh.client.rest.issues.get({ owner, repo, issue_number: story })).data.state,
      "open",
    );
    await gh.client.rest.issues.update({
      owner,
      repo,
      issue_number: two.number,
      state: "closed",
      state_reason: "completed",
    });
    await runDispatch({ max: "1" });
    assert.equal(
      (await gh.client.rest.issues.get({ owner, repo, issue_number: story })).data.state,
      "closed",
    );
  });
});

describe("bad inputs", () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ max: "0" }, /max: "0" is not a whole number from 1 to 100/],
    [{ max: "abc" }, /max: "abc" is not a whole number/],
    [{ goal: "#x" }, /goal: "#x" is not an issue number/],
    [{ duration: "4x" }, /duration: "4x"/],
    [{ "dry-run": "maybe" }, /dry-run: "maybe" is not true or false/],
    [{ token: "" }, /Input "token" is empty/],
  ];
  for (const [inputs, message] of cases) {
    it(`fails the step for ${JSON.stringify(inputs)}`, async () => {
      const result = await runDispatch(inputs);
      assert.equal(result.code, 1);
      assert.match(result.stdout, message);
      assert.equal(result.outputs.matrix, undefined);
    });
  }
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
    const result = await runDispatch({ max: "1" });
    assert.deepEqual(
      matrix(result).map((entry) => [entry.goal, entry.attempt]),
      [[number, 2]],
    );
    const markers = (await gh.store.getGoal(number)).markers;
    const withdrawn = markers.find((m) => m.kind === "run-result" && m.attempt === 1);
    assert.ok(withdrawn?.kind === "run-result" && !withdrawn.countsAsAttempt, "withdrawn");
    assert.match(withdrawn.reason, /claim never became a run/);
    assert.equal(attemptsUsed(markers), 1, "only the new claim counts");
  });

  it("makes a queued goal that used every attempt stuck, instead of claiming one more", async () => {
    const spent = await retriedGoal("spent", 3);
    const result = await runDispatch({ max: "1", "max-attempts": "3" });
    assert.deepEqual(matrix(result), []);
    assert.deepEqual(await stateLabels(spent), ["goal:stuck"]);
    const reasons = (await gh.store.getGoal(spent)).markers.flatMap((m) =>
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
    gh.server.faults.add({
      route: "issues/list-comments-for-repo",
      status: 502,
      times: Number.POSITIVE_INFINITY,
    });
    // Today's cost is read to keep to a budget.
    const result = await runDispatch({ budget: "50usd/day" });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /::error::Adding up today's cost: GitHub answered 502 Bad Gateway 4 times while listing the comments written since \S+ \(GET \/repos\/acme\/widgets\/issues\/comments\)/,
    );
  });
});

describe("concurrent dispatchers", () => {
  it("five dispatchers at the same moment never claim a goal twice nor more than max", async () => {
    for (let i = 0; i < 8; i++) await goal(`g${i}`);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => runDispatch({ max: "3" }, { runId: String(2000 + n) })),
    );
    const claimed = results.flatMap((result) => matrix(result).map((entry) => entry.goal));
    assert.equal(new Set(claimed).size, claimed.length, `no goal claimed twice: ${claimed}`);
    assert.equal(claimed.length, 3);
    const running = [];
    for await (const g of gh.store.listGoals("running")) running.push(g.ref.number);
    assert.deepEqual(running.sort(), [...claimed].sort());
  });

  it("stays correct when responses are lost or fail during claims", async () => {
    const numbers: number[] = [];
    for (let i = 0; i < 5; i++) numbers.push(await goal(`f${i}`));
    gh.server.faults.add({
      route: "issues/create-comment",
      applyThenFail: true,
      status: 502,
      times: 3,
    });
    gh.server.faults.add({ route: "issues/set-labels", status: 500, times: 2 });
    gh.server.faults.add({ route: "graphql", status: 502, times: 2 });
    gh.server.faults.add({ route: "issues/list-comments", status: 403, retryAfter: 0, times: 1 });
    const results = await Promise.all(
      [1, 2, 3].map((n) => runDispatch({ max: "2" }, { runId: String(3000 + n) })),
    );
    const claimed = results.flatMap((result) => matrix(result).map((entry) => entry.goal));
    assert.equal(new Set(claimed).size, claimed.length);
    assert.ok(claimed.length <= 2);
    for (const number of numbers) {
      const labels = await stateLabels(number);
      assert.equal(labels.length, 1, `#${number} has exactly one state label: ${labels}`);
      assert.equal(labels[0] === "goal:running", claimed.includes(number));
    }
  });
});

describe("reviews done on GitHub", () => {
  async function spotCheckGoalWithPull(title: string) {
    const number = await goal(title);
    gh.server.setBranch(owner, repo, "main");
    gh.server.setBranch(owner, repo, `goal/${number}-review`);
    const pull = await gh.client.rest.pulls.create({
      owner,
      repo,
      head: `goal/${number}-review`,
      base: "main",
      title,
    });
    await comment(number, {
      kind: "claim",
      attempt: 1,
      claimId: "r",
      claimedBy: { runId: "1" },
      claimedAt: hoursFromNow(-2),
      leaseExpiresAt: hoursFromNow(2),
    });
    await gh.store.transition(number, { to: "running", reason: "claimed in the test" });
    await gh.store.transition(number, {
      to: "spot-check",
      reason: "needs review",
      marker: {
        kind: "run-result",
        attempt: 1,
        outcome: "spot-check",
        reason: "exit 3",
        countsAsAttempt: true,
        prUrl: pull.data.html_url,
      },
    });
    return { number, pull: pull.data.number };
  }

  it("a merged pull request makes its goal done; a closed one re-queues it with feedback", async () => {
    const merged = await spotCheckGoalWithPull("merged by a reviewer");
    const closed = await spotCheckGoalWithPull("closed by a reviewer");
    const waiting = await spotCheckGoalWithPull("still in review");
    // A reviewer's merge: the repository's base branch is protected, so say checks are green.
    await gh.server.setPullState(owner, repo, merged.pull, { mergeStateStatus: "CLEAN" });
    await gh.client.rest.pulls.merge({ owner, repo, pull_number: merged.pull });
    await gh.client.rest.pulls.update({ owner, repo, pull_number: closed.pull, state: "closed" });
    const result = await runDispatch({ max: "1", "dry-run": "true" });
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(
      await stateLabels(merged.number),
      ["goal:spot-check"],
      "a dry run changes nothing",
    );

    await runDispatch({ max: "1" });
    assert.deepEqual(await stateLabels(merged.number), ["goal:done"]);
    assert.deepEqual(await stateLabels(waiting.number), ["goal:spot-check"]);
    // The closed one was re-queued, then claimed again in the same cycle as attempt 2.
    const reopened = await gh.store.getGoal(closed.number);
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
    const attempt = earlierAttempts + 1;
    const branch = `goal/${number}-watch`;
    gh.server.setBranch(owner, repo, "main");
    gh.server.setBranch(owner, repo, branch);
    const pull = await gh.client.rest.pulls.create({
      owner,
      repo,
      head: branch,
      base: "main",
      title,
    });
    await comment(number, {
      kind: "claim",
      attempt,
      claimId: `w${attempt}`,
      claimedBy: { runId: "1" },
      claimedAt: hoursFromNow(-2),
      leaseExpiresAt: hoursFromNow(2),
    });
    await gh.store.transition(number, { to: "running", reason: "claimed in the test" });
    await gh.store.transition(number, {
      to: "done",
      reason: "auto-merge enabled",
      marker: {
        kind: "run-result",
        attempt,
        outcome: "success",
        reason: "exit 0",
        countsAsAttempt: true,
        prUrl: pull.data.html_url,
      },
    });
    return { number, pull: pull.data.number, sha: pull.data.head.sha };
  }

  it("closes a goal PR whose checks failed and re-queues the goal with the failing checks", async () => {
    const failing = await doneGoalWithPull("failing CI");
    const green = await doneGoalWithPull("green CI");
    const last = await doneGoalWithPull("failing on the last attempt", 2);
    for (const target of [failing, last]) {
      await gh.server.addCheckRun(owner, repo, {
        headSha: target.sha,
        name: "test (ubuntu)",
        status: "completed",
        conclusion: "failure",
        output: { title: "2 tests failed", summary: "widgets export --csv: expected a header row" },
      });
    }
    gh.server.addCheckRun(owner, repo, {
      headSha: green.sha,
      name: "test (ubuntu)",
      status: "completed",
      conclusion: "success",
    });
    const result = await runDispatch({ max: "1", "max-attempts": "3" });
    assert.equal(result.code, 0, result.stdout);
    assert.equal(
      (await gh.client.rest.pulls.get({ owner, repo, pull_number: failing.pull })).data.state,
      "closed",
    );
    assert.equal(
      (await gh.client.rest.pulls.get({ owner, repo, pull_number: green.pull })).data.state,
      "open",
    );
    assert.deepEqual(await stateLabels(green.number), ["goal:done"]);
    assert.deepEqual(await stateLabels(last.number), ["goal:stuck"]);
    const markers = (await gh.store.getGoal(failing.number)).markers;
    const feedback = markers.find((m) => m.kind === "feedback");
    assert.equal(feedback?.kind === "feedback" ? feedback.source : null, "ci-failed");
    assert.match(
      feedback?.kind === "feedback" ? feedback.text : "",
      /test \(ubuntu\) \(failure\)[\s\S]*expected a header row/,
    );
    // Re-queued, then claimed again in the same cycle as attempt 2.
    assert.deepEqual(
      matrix(result).map((entry) => [entry.goal, entry.attempt]),
      [[failing.number, 2]],
    );
  });
});

describe("runner capacity", () => {
  it("claims no more goals than idle online runners carry the labels, with runners-token", async () => {
    for (const title of ["r1", "r2", "r3"]) await goal(title);
    gh.server.addRunner(owner, repo, {
      name: "box-1",
      labels: ["self-hosted", "Linux", "X64", "ralph"],
    });
    gh.server.addRunner(owner, repo, {
      name: "box-2",
      labels: ["self-hosted", "Linux", "X64", "ralph"],
      busy: true,
    });
    gh.server.addRunner(owner, repo, {
      name: "box-3",
      labels: ["self-hosted", "Linux", "X64", "ralph"],
      status: "offline",
    });
    gh.server.addRunner(owner, repo, { name: "other", labels: ["self-hosted", "Linux", "X64"] });
    gh.server.setPermission(owner, repo, "admin-bot", "admin");
    const admin = await gh.as("admin-bot");
    const result = await runDispatch({
      max: "3",
      "runner-labels": "self-hosted, ralph",
      "runners-token": admin.token,
    });
    assert.equal(matrix(result).length, 1);
    assert.match(result.stdout, /Only 1 idle self-hosted runner\(s\) labelled self-hosted, ralph/);
  });

  it("explains a runners-token that cannot list runners", async () => {
    await goal("r1");
    const result = await runDispatch({
      max: "3",
      "runner-labels": "ralph",
      "runners-token": gh.token,
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /"runners-token" cannot list the self-hosted runners of acme\/widgets \(403\): it needs administration read access/,
    );
  });
});
