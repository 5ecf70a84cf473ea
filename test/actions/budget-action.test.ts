import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { formatUsd } from "../../src/core/budget.js";
import { MAX_RUN_COST_USD } from "../../src/core/run-figures.js";
import { type ActionRun, runActionBundle } from "../helpers/action-runner.js";
import { INVALID_COSTS } from "../helpers/agent-costs.js";
import { dispatchCycle, dispatchSummary, usdPerDay } from "../helpers/dispatch-cycle.js";
import { goalHelpers } from "../helpers/goals.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// The daily budget against agents whose stats cannot be trusted: the bundled runner records
// what test/agents/agent.mjs reports (nothing, a negative cost, NaN, 1e12…), then the
// dispatcher adds up the day, estimating every run of unknown cost, against the local GitHub
// API server with a bare git repository as origin. The dispatcher runs in-process
// (dispatchCycle) except where its bundle's inputs, outputs, notices and summary are the point.

const owner = "acme";
const repo = "widgets";
const RUNNER_RUN_ID = 4242;
const DISPATCH_RUN_ID = 1001;

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
  w.server.addWorkflowRun(owner, repo, { id: RUNNER_RUN_ID, status: "in_progress" });
  w.server.addWorkflowRun(owner, repo, { id: DISPATCH_RUN_ID, status: "in_progress" });
});
afterEach(() => w.close());

const { goal: queuedGoal, claimedGoal, lastResult, stateLabels } = goalHelpers(() => w);

/** The bundled runner action on `goal` with the test agent in `mode`: main step, then post step. */
async function runGoal(goal: number, mode: string): Promise<ActionRun> {
  const inputs = w.runnerInputs(goal, mode);
  const env = w.stepEnv(RUNNER_RUN_ID);
  const main = await runActionBundle(process.execPath, "run", inputs, env);
  assert.equal(main.code, 0, main.stdout + main.stderr);
  const post = await runActionBundle(process.execPath, "run", inputs, env, { state: main.state });
  assert.equal(post.code, 0, post.stdout + post.stderr);
  return main;
}

/** A dispatch cycle in-process, as the dispatcher action in run DISPATCH_RUN_ID runs it. */
const cycle = (settings: Parameters<typeof dispatchCycle>[1]) =>
  dispatchCycle(w, { max: 1, ...settings }, { runId: DISPATCH_RUN_ID });

/** The bundled dispatcher, one cycle. */
function runDispatch(inputs: Record<string, string>): Promise<ActionRun> {
  return w.dispatch({ max: "1", ...inputs }, { runId: DISPATCH_RUN_ID });
}

function claimed(result: ActionRun): number[] {
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const matrix = JSON.parse(result.outputs.matrix ?? "") as { include: Array<{ goal: number }> };
  return matrix.include.map((entry) => entry.goal);
}

describe("runs whose agent reports no valid cost", () => {
  it("are recorded with an unknown cost, and their estimate stops the claims once it reaches the budget", async () => {
    // What the runner records of each is tested in-process (test/flows/run-goal.test.ts); here,
    // what its bundle shows of it: the stats output, the summary and a workflow warning.
    for (const { mode, warning } of INVALID_COSTS) {
      const number = await claimedGoal(`agent ${mode}`);
      const result = await runGoal(number, mode);
      assert.equal(result.outputs.outcome, "success", `${mode}: ${result.stdout}`);
      assert.equal(JSON.parse(result.outputs.stats ?? "{}").cost_usd, null, mode);
      assert.match(result.summary, /\| cost \| unknown \|/, mode);
      const warned = result.stdout
        .split("\n")
        .filter((line) => line.includes("the agent's stats are invalid"));
      assert.equal(warned.length, warning === null ? 0 : 1, `${mode}: ${result.stdout}`);
      for (const line of warned)
        assert.match(line, /^::warning::#\d+: the agent's stats are invalid/);
    }
    const waiting = await queuedGoal("waiting");

    // No run today has a known cost to take a rate from: each counts the unknown-run-cost, 5usd.
    const underBudget = usdPerDay(20.01);
    const under = await cycle({ budget: underBudget, dryRun: true });
    assert.deepEqual(
      under.matrix.map((entry) => entry.goal),
      [waiting],
      "$20.00 of $20.01: still under",
    );
    assert.equal(under.report.today?.knownUsd.toFixed(2), "0.00");
    assert.equal(under.report.today?.estimatedUsd.toFixed(2), "20.00");
    assert.match(
      await dispatchSummary(under.report, w.repo, underBudget),
      /\$20\.00 of \$20\.01 \(4 run\(s\); \$20\.00 of it estimated for 4 run\(s\) without a cost\)/,
    );

    // The bundle: budget input → notice, cost outputs and the summary's estimate.
    const over = await runDispatch({ budget: "20usd/day" });
    assert.deepEqual(claimed(over), []);
    assert.equal(over.outputs["cost-today"], "0.00");
    assert.equal(over.outputs["cost-today-estimated"], "20.00");
    assert.match(
      over.stdout,
      /::notice::Today's cost \$20\.00 \(\$0\.00 recorded \+ \$20\.00 estimated for 4 run\(s\) that reported no cost\) reached the budget of \$20\.00\/day: nothing new is claimed until 00:00 UTC/,
    );
    assert.match(
      over.summary,
      /Estimated: \$20\.00 estimated for 4 run\(s\) that reported no valid cost: no run today reported a cost and an agent time, so each counts \$5\.00 a run \(unknown-run-cost\)\./,
    );
    assert.match(over.summary, /Today's cost \$20\.00/);
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);

    // A lower unknown-run-cost lowers the estimate, and a manual run is refused the same way.
    const cheaper = await runDispatch({
      budget: "8usd/day",
      "unknown-run-cost": "2usd",
      goal: String(waiting),
    });
    assert.equal(cheaper.code, 1);
    assert.match(
      cheaper.stdout,
      /::error::Today's cost \$8\.00 \(\$0\.00 recorded \+ \$8\.00 estimated for 4 run\(s\) that reported no cost\) reached the budget of \$8\.00\/day: .* Goal #\d+ was not started\./,
    );
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);
    const bad = await runDispatch({ budget: "8usd/day", "unknown-run-cost": "-2usd" });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /unknown-run-cost: "-2usd" — use an amount for one run like 5usd/);
  });

  it("count at the highest cost per agent-minute among today's runs with a known cost", async () => {
    const known = await claimedGoal("reports its cost");
    // Long enough that its agent time (kept to a tenth of a second) is never 0, as the cost:
    // modes are.
    await runGoal(known, "slow:300");
    const unknown = await claimedGoal("reports nothing");
    await runGoal(unknown, "cost:none");
    const knownStats = (await lastResult(known)).stats ?? {};
    const unknownStats = (await lastResult(unknown)).stats ?? {};
    assert.equal(knownStats.cost_usd, 0.42);
    assert.equal(unknownStats.cost_usd, null);
    const knownSeconds = knownStats.agent_seconds as number;
    const unknownSeconds = unknownStats.agent_seconds as number;
    assert.ok(knownSeconds > 0, "the known run's agent time");
    assert.ok(unknownSeconds > 0, "the unknown run's agent time");
    const rate = 0.42 / (knownSeconds / 60);
    const estimate = Math.min(MAX_RUN_COST_USD, rate * (unknownSeconds / 60));
    const total = 0.42 + estimate;
    const waiting = await queuedGoal("waiting");

    const budget = usdPerDay(1000);
    const { report, matrix } = await cycle({ budget, dryRun: true });
    assert.deepEqual(
      matrix.map((entry) => entry.goal),
      [waiting],
    );
    assert.equal(report.today?.knownUsd.toFixed(2), "0.42");
    assert.equal(report.today?.estimatedUsd.toFixed(2), estimate.toFixed(2));
    const summary = await dispatchSummary(report, w.repo, budget);
    assert.ok(
      summary.includes(
        `${formatUsd(total)} of $1,000.00 (2 run(s); ${formatUsd(estimate)} of it estimated for 1 run(s) without a cost)`,
      ),
      summary,
    );
    assert.ok(
      summary.includes(
        `each counts ${formatUsd(rate)} per agent-minute (the highest of today's runs with a cost)`,
      ),
      summary,
    );

    // A budget the known cost alone stays under, but the estimate reaches.
    const cents = Math.floor(total * 100);
    assert.ok(cents > 42, `the estimate (${estimate}) adds at least a cent`);
    const over = await cycle({ budget: usdPerDay(cents / 100) });
    assert.deepEqual(over.matrix, []);
    assert.equal(over.report.notes.length, 1, over.report.notes.join("\n"));
    assert.match(
      over.report.notes[0] ?? "",
      /^Today's cost .* \(\$0\.42 recorded \+ .* estimated for 1 run\(s\) that reported no cost\) reached the budget/,
    );
    assert.deepEqual(await stateLabels(waiting), ["goal:queued"]);
    const under = await cycle({ budget: usdPerDay((cents + 1) / 100), dryRun: true });
    assert.deepEqual(
      under.matrix.map((entry) => entry.goal),
      [waiting],
    );
  });
});
