import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { ActionRun } from "../helpers/action-runner.js";
import { type GitHubFixture, startGitHubFixture } from "../helpers/github-fixture.js";
import { goalHelpers, hoursFromNow } from "../helpers/goals.js";
import { bundleRuntimes } from "../helpers/runtimes.js";

// The bundled dispatcher, run as the workflow runs it, against the local GitHub API server: smoke
// tests of what only the bundle does (inputs, outputs, matrix, job summary, exit code). What a
// cycle does is tested in-process in test/flows/dispatch.test.ts.

let gh: GitHubFixture;
const owner = "acme";
const repo = "widgets";

beforeEach(async () => {
  gh = await startGitHubFixture({ labels: true });
});
afterEach(() => gh.close());

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

const { goal, stateLabels, runningGoal } = goalHelpers(() => gh);

for (const runtime of bundleRuntimes()) {
  it(`inputs → matrix, outputs and job summary (bundle on ${runtime.name})`, async () => {
    const numbers: number[] = [];
    for (const title of ["a", "b", "c", "d"]) numbers.push(await goal(title));
    // One goal whose lease expired goes back to the queue, one on its last attempt gets stuck.
    const expired = await runningGoal("expired", { leaseExpiresAt: hoursFromNow(-1) });
    const last = await runningGoal("last", { leaseExpiresAt: hoursFromNow(-1), earlier: 2 });
    // With a budget, so that today's cost is read (it is only read to keep to one).
    const result = await runDispatch(
      { max: "2", "max-attempts": "3", budget: "100usd/day" },
      { node: runtime.node },
    );
    assert.deepEqual(
      matrix(result).map((entry) => [entry.goal, entry.attempt, entry.title, entry.repository]),
      [
        [numbers[0], 1, "a", "acme/widgets"],
        [numbers[1], 1, "b", "acme/widgets"],
      ],
    );
    assert.equal(result.outputs.claimed, "2");
    assert.equal(result.outputs.running, "2");
    assert.equal(result.outputs.queued, "3");
    assert.equal(result.outputs.requeued, "1");
    assert.equal(result.outputs.stuck, "1");
    assert.equal(result.outputs["cost-today"], "0.00");
    // The four results recorded today (two failures, two expired leases) have no cost: $5 each.
    assert.equal(result.outputs["cost-today-estimated"], "20.00");
    assert.deepEqual(await stateLabels(numbers[0] ?? 0), ["goal:running"]);
    assert.deepEqual(await stateLabels(numbers[2] ?? 0), ["goal:queued"]);
    assert.deepEqual(await stateLabels(expired), ["goal:queued"]);
    assert.deepEqual(await stateLabels(last), ["goal:stuck"]);
    const claimed = await gh.store.getGoal(numbers[0] ?? 0);
    const claim = claimed.markers.find((m) => m.kind === "claim");
    assert.equal(
      claim?.kind === "claim" ? claim.claimedBy.runUrl : "",
      "https://github.com/acme/widgets/actions/runs/1001",
    );
    assert.match(result.summary, /<th>queued<\/th>/);
    assert.match(result.summary, new RegExp(`#${expired}</a></td><td>goal:queued</td>`));
  });
}

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
});

describe("a user error", () => {
  it("fails the step with the message, without outputs: a runners-token that cannot list runners", async () => {
    await goal("r1");
    const result = await runDispatch({
      max: "3",
      "runner-labels": "ralph",
      "runners-token": gh.token,
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /::error::"runners-token" cannot list the self-hosted runners of acme\/widgets \(403\): it needs administration read access/,
    );
    assert.equal(result.outputs.matrix, undefined);
  });
});

// Separate processes on purpose: a process paces its writes one at a time across all its clients
// (src/github/client.ts), so dispatchers in one process never have writes in flight together.
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

describe("bad inputs", () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ max: "0" }, /max: "0" is not a whole number from 1 to 100/],
    [{ max: "abc" }, /max: "abc" is not a whole number/],
    [{ goal: "#x" }, /goal: "#x" is not an issue number/],
    [{ duration: "4x" }, /duration: "4x"/],
    [{ "dry-run": "maybe" }, /dry-run: "maybe" is not true or false/],
    [{ token: "" }, /Input "token" is empty/],
    [{ budget: "50 dollars" }, /budget.*50usd\/day/],
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
