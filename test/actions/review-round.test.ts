import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createGoal } from "../../src/flows/create-goal.js";
import type { GitHubClient } from "../../src/github/client.js";
import { type ActionRun, runActionBundle } from "../helpers/action-runner.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// A review round through the bundled actions: the dispatcher claims a goal, the runner opens its
// pull request with auto-merge; a reviewer requests changes; the next cycle sends the goal back
// with that feedback and claims it again; the next run continues the same branch and pull request.

const owner = "acme";
const repo = "widgets";

let w: TestWorld & { reviewer: GitHubClient };

beforeEach(async () => {
  const world = await startWorld();
  const reviewer = (await world.as("reviewer", "write")).client;
  w = { ...world, reviewer };
});
afterEach(() => w.close());

async function dispatch(): Promise<Array<{ goal: number; attempt: number }>> {
  const result = await w.dispatch({ max: "2" });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return (JSON.parse(result.outputs.matrix ?? "") as { include: [] }).include;
}

async function run(goal: number, attempt: number): Promise<ActionRun> {
  const inputs = w.runnerInputs(goal, "storm:success", {
    attempt: String(attempt),
    isolation: "none",
  });
  const main = await runActionBundle(process.execPath, "run", inputs, w.stepEnv());
  const post = await runActionBundle(process.execPath, "run", inputs, w.stepEnv(), {
    state: main.state,
  });
  assert.equal(post.code, 0, post.stdout + post.stderr);
  return main;
}

const pullsOf = async () => (await w.client.rest.pulls.list({ owner, repo, state: "all" })).data;
const comments = async (number: number) =>
  (await w.client.rest.issues.listComments({ owner, repo, issue_number: number })).data.map(
    (comment) => comment.body ?? "",
  );

describe("a review round through the bundled actions", () => {
  it("a changes-requested review sends the goal back, and its next run updates the same pull request", async () => {
    const { number } = await createGoal(w.store, {
      title: "Export CSV",
      body: GOAL_BODY,
      queue: true,
      spotCheck: false,
    });
    assert.deepEqual(await dispatch(), [
      { goal: number, attempt: 1, title: "Export CSV", repository: `${owner}/${repo}` },
    ]);
    const first = await run(number, 1);
    assert.equal(first.outputs.outcome, "success", first.stdout);
    const [pull] = await pullsOf();
    assert.ok(pull?.auto_merge, "auto-merge enabled after the first run");
    const firstHead = pull.head.sha;

    await w.reviewer.rest.pulls.createReview({
      owner,
      repo,
      pull_number: pull.number,
      event: "REQUEST_CHANGES",
      body: "Close, but the header row is missing.",
      comments: [{ path: `work-${number}.txt`, line: 1, body: "Start with a header line." }],
    });

    // One cycle: the review sends the goal back, and the goal is claimed again at once.
    const claimed = await dispatch();
    assert.deepEqual(
      claimed.map((entry) => [entry.goal, entry.attempt]),
      [[number, 2]],
    );
    const afterReview = await w.store.getGoal(number);
    const feedback = afterReview.markers.findLast((m) => m.kind === "feedback");
    assert.equal(feedback?.kind === "feedback" && feedback.round, 1);
    const { data: underReview } = await w.client.rest.pulls.get({
      owner,
      repo,
      pull_number: pull.number,
    });
    assert.equal(underReview.auto_merge, null, "auto-merge off while the round is open");
    assert.ok(
      (await comments(pull.number)).some((body) =>
        /^Review round 1 of 3: goal #\d+ is back/.test(body),
      ),
    );

    const second = await run(number, 2);
    assert.equal(second.outputs.outcome, "success", second.stdout);
    assert.equal(second.outputs["pr-url"], pull.html_url, "the same pull request");
    assert.equal((await pullsOf()).length, 1);
    const { data: updated } = await w.client.rest.pulls.get({
      owner,
      repo,
      pull_number: pull.number,
    });
    assert.notEqual(updated.head.sha, firstHead);
    assert.ok(updated.auto_merge, "auto-merge on again once the round's run succeeded");
    const goalFile = readFileSync(
      join(w.dir, "work", owner, repo, String(number), "work", ".git", "dump", "goal.md"),
      "utf8",
    );
    assert.match(
      goalFile,
      /## Review round 1\n\nYour earlier work on this goal is pull request #\d+/,
    );
    assert.match(goalFile, /Close, but the header row is missing\./);
    assert.match(goalFile, /- `work-\d+\.txt:1`: Start with a header line\./);
    const roundComment = (await comments(pull.number)).find((body) =>
      body.startsWith("Review round 1: attempt 2"),
    );
    assert.match(
      roundComment ?? "",
      /pushed 1 commit on top of [0-9a-f]{12} \(\+1 −0 in 1 file: `work-\d+\.txt`\)/,
    );
    assert.match(roundComment ?? "", /Auto-merge is on again\./);
    const after = await w.store.getGoal(number);
    assert.equal(after.state, "done");
  });

  it("requests made while a round runs are not lost: auto-merge stays off and the next round takes them all", async () => {
    const { number } = await createGoal(w.store, {
      title: "Export CSV",
      body: GOAL_BODY,
      queue: true,
      spotCheck: false,
    });
    await dispatch();
    await run(number, 1);
    const [pull] = await pullsOf();
    assert.ok(pull);
    const revise = (body: string) =>
      w.reviewer.rest.issues.createComment({ owner, repo, issue_number: pull.number, body });
    await revise("/goal revise add a header row");
    assert.deepEqual(
      (await dispatch()).map((entry) => entry.attempt),
      [2],
    );
    // While attempt 2 is claimed (its agent at work), two more requests come in.
    await revise("/goal revise quote every value");
    await revise("/goal revise and sort by name");

    const second = await run(number, 2);
    assert.equal(second.outputs.outcome, "success", second.stdout);
    const { data: held } = await w.client.rest.pulls.get({ owner, repo, pull_number: pull.number });
    assert.equal(held.auto_merge, null, "not merged with requests unanswered");
    assert.ok(
      (await comments(pull.number)).some((body) =>
        /^Review round 1: attempt 2[\s\S]*Auto-merge stays off/.test(body),
      ),
    );

    assert.deepEqual(
      (await dispatch()).map((entry) => entry.attempt),
      [3],
      "round 2 starts and is claimed in one cycle",
    );
    const goal = await w.store.getGoal(number);
    const round2 = goal.markers.filter((m) => m.kind === "feedback" && m.round === 2);
    assert.equal(round2.length, 1);
    const text = round2[0]?.kind === "feedback" ? round2[0].text : "";
    assert.match(text, /quote every value[\s\S]*and sort by name/);
    assert.doesNotMatch(text, /add a header row/, "round 1's request is not taken twice");
  });
});
