import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { runActionBundle } from "../helpers/action-runner.js";
import { goalHelpers, hoursFromNow } from "../helpers/goals.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// The bundled runner's wake-up: once its result is recorded, a workflow_dispatch of the
// workflow that ran it (GITHUB_WORKFLOW_REF), which never fails the run.

let w: TestWorld;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

const WORKFLOW_REF = "acme/widgets/.github/workflows/goals.yml@refs/heads/main";

/** A goal as the dispatcher leaves it: claimed for attempt 1 by run 4242, goal:running. */
const claimedGoal = (title: string) =>
  goalHelpers(() => w).claimedGoal(title, { leaseExpiresAt: hoursFromNow(1) });

/** The main step, then the post step, as GitHub runs them in workflow run 4242. */
async function runJob(goal: number, mode: string, inputs: Record<string, string>) {
  const env = w.stepEnv(4242, { GITHUB_WORKFLOW_REF: WORKFLOW_REF });
  const all = w.runnerInputs(goal, mode, inputs);
  const main = await runActionBundle(process.execPath, "run", all, env);
  const post = await runActionBundle(process.execPath, "run", all, env, { state: main.state });
  assert.equal(post.code, 0, post.stdout + post.stderr);
  return main;
}

const dispatches = () => w.server.state.requireRepo("acme", "widgets").workflowDispatches;

describe("wake-up", () => {
  it("asks for a dispatch cycle of the workflow that ran it, after recording the result", async () => {
    w.server.addWorkflow("acme", "widgets", { file: "goals.yml" });
    const number = await claimedGoal("Wakes the dispatcher");
    const run = await runJob(number, "commit", { "wake-up": "true" });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.outcome, "success");
    assert.deepEqual(
      dispatches().map((d) => [d.file, d.ref, d.inputs, d.actor]),
      [["goals.yml", "refs/heads/main", {}, "maintainer"]],
      "one workflow_dispatch, with no goal",
    );
    assert.match(run.stdout, /Wake-up requested/);
    // After the result: the dispatch came once the goal had left goal:running.
    const moved = (await w.store.getGoal(number)).markers.findLast((m) => m.kind === "run-result");
    assert.ok(moved && Date.parse(moved.createdAt) <= Date.parse(dispatches()[0]?.createdAt ?? ""));
    assert.doesNotMatch(run.stdout, /::warning::/);
  });

  it("asks for none without wake-up: true, nor for a run that did not run", async () => {
    w.server.addWorkflow("acme", "widgets", { file: "goals.yml" });
    const number = await claimedGoal("Quiet");
    const run = await runJob(number, "commit", {});
    assert.equal(run.outputs.outcome, "success", run.stdout);
    const skipped = await runJob(number, "commit", { "wake-up": "true", attempt: "2" });
    assert.equal(skipped.outputs.outcome, "skipped", skipped.stdout);
    assert.deepEqual(dispatches(), []);
  });

  for (const [why, seed, said] of [
    [
      "a workflow without a workflow_dispatch trigger (422)",
      { file: "goals.yml", dispatchable: false },
      /refused \(422: .*Workflow does not have 'workflow_dispatch' trigger.*\): add `workflow_dispatch:` to the `on:` of acme\/widgets\/\.github\/workflows\/goals\.yml/,
    ],
    ["an unknown workflow (404)", null, /refused \(404\): GitHub does not know the workflow/],
  ] as const) {
    it(`only warns, saying what to add, for ${why}`, async () => {
      if (seed) w.server.addWorkflow("acme", "widgets", seed);
      const number = await claimedGoal("Refused wake-up");
      const run = await runJob(number, "commit", { "wake-up": "true" });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.outputs.outcome, "success");
      assert.equal((await w.store.getGoal(number)).state, "done");
      assert.match(run.stdout, /::warning::The wake-up was refused/);
      assert.match(run.stdout, said);
      assert.match(run.stdout, /The next scheduled cycle dispatches in its place/);
      assert.deepEqual(dispatches(), []);
    });
  }

  it("refuses a wake-up input that is not true or false before the agent runs", async () => {
    const number = await claimedGoal("Bad input");
    const run = await runJob(number, "commit", { "wake-up": "sometimes" });
    assert.notEqual(run.code, 0);
    assert.match(run.stdout, /wake-up: "sometimes" is not true or false/);
    // The post step puts the goal back in the queue, as for any main step that failed early.
    assert.equal((await w.store.getGoal(number)).state, "queued");
    assert.deepEqual(dispatches(), []);
  });
});
