import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addUpDay,
  budgetExhausted,
  type DayCost,
  dayTotalUsd,
  describeDayCost,
  describeEstimate,
  estimateRunCost,
  highestUsdPerAgentMinute,
  type RunCost,
} from "../../src/core/budget.js";
import { MAX_RUN_COST_USD, runFigureProblems } from "../../src/core/run-figures.js";

const DAY = "2026-11-18";
const budget = (amountUsd: number) => ({ amountUsd, period: "day" as const });
const run = (costUsd: number | null, agentMinutes: number | null): RunCost => ({
  costUsd,
  agentSeconds: agentMinutes === null ? null : agentMinutes * 60,
});

describe("highestUsdPerAgentMinute", () => {
  it("is the highest cost per agent-minute among runs with a known cost and agent time", () => {
    assert.equal(highestUsdPerAgentMinute([run(2, 10), run(3, 10), run(1, 2), run(null, 1)]), 0.5);
  });

  it("is null without such a run; zero or unknown agent time and invalid costs give no rate", () => {
    assert.equal(highestUsdPerAgentMinute([]), null);
    assert.equal(highestUsdPerAgentMinute([run(null, 10), run(4, null), run(4, 0)]), null);
    assert.equal(
      highestUsdPerAgentMinute([run(-1, 1), run(Number.NaN, 1), run(MAX_RUN_COST_USD + 1, 1)]),
      null,
    );
  });
});

describe("estimateRunCost", () => {
  it("is the rate times the run's agent minutes", () => {
    assert.equal(estimateRunCost(run(null, 30), 0.5, 5), 15);
    assert.equal(estimateRunCost(run(null, 0), 0.5, 5), 0);
  });

  it("is unknown-run-cost without a rate, or when the run's agent time is unknown", () => {
    assert.equal(estimateRunCost(run(null, 30), null, 5), 5);
    assert.equal(estimateRunCost(run(null, null), 0.5, 7), 7);
    assert.equal(estimateRunCost({ costUsd: null, agentSeconds: -60 }, 0.5, 7), 7);
  });

  it("is never more than one run may report", () => {
    assert.equal(estimateRunCost(run(null, 1e9), 100, 5), MAX_RUN_COST_USD);
  });
});

describe("addUpDay", () => {
  it("adds the known costs and estimates every unknown one at the day's highest rate", () => {
    const today = addUpDay(DAY, [run(2, 10), run(1, 1), run(null, 4), run(null, null)], 5);
    assert.deepEqual(today, {
      day: DAY,
      knownUsd: 3,
      unknownRuns: 2,
      // $1 per agent-minute (the 1-minute run) × 4 minutes, and $5 for the run without a time.
      estimatedUsd: 4 + 5,
      usdPerAgentMinute: 1,
      unknownRunCostUsd: 5,
      runs: 4,
    });
    assert.equal(dayTotalUsd(today), 12);
  });

  it("counts every unknown run at unknown-run-cost when no run has a known cost", () => {
    const today = addUpDay(DAY, [run(null, 10), run(null, null), run(null, 1)], 2.5);
    assert.equal(today.knownUsd, 0);
    assert.equal(today.estimatedUsd, 7.5);
    assert.equal(today.usdPerAgentMinute, null);
  });

  it("treats a cost one run may not report as unknown", () => {
    const today = addUpDay(DAY, [run(-4, 1), run(1e12, 1), run(Number.NaN, 1)], 5);
    assert.equal(today.knownUsd, 0);
    assert.equal(today.unknownRuns, 3);
    assert.equal(today.estimatedUsd, 15);
  });
});

describe("budgetExhausted", () => {
  const known: DayCost = addUpDay(DAY, [run(4, 10), run(1.5, 10)], 5);
  const estimated: DayCost = addUpDay(DAY, [run(4, 10), run(1.5, 10), run(null, null)], 5);

  it("refuses claims once the known cost reaches the budget", () => {
    assert.equal(budgetExhausted(null, known), null);
    assert.equal(budgetExhausted(budget(5.51), known), null);
    assert.equal(
      budgetExhausted(budget(5.5), known),
      "Today's recorded cost $5.50 reached the budget of $5.50/day: nothing new is claimed until 00:00 UTC. Runs in flight finish.",
    );
  });

  it("counts the estimates, and says how much of the figure is estimated", () => {
    assert.equal(budgetExhausted(budget(10.51), estimated), null);
    assert.equal(
      budgetExhausted(budget(6), estimated),
      "Today's cost $10.50 ($5.50 recorded + $5.00 estimated for 1 run(s) that reported no cost) reached the budget of $6.00/day: nothing new is claimed until 00:00 UTC. Runs in flight finish.",
    );
  });
});

describe("describing a day", () => {
  it("gives the total and the estimated part", () => {
    const today = addUpDay(DAY, [run(4, 10), run(1.5, 10), run(null, 30)], 5);
    assert.equal(
      describeDayCost(today, budget(20)),
      "$17.50 of $20.00 (3 run(s); $12.00 of it estimated for 1 run(s) without a cost)",
    );
    assert.equal(describeDayCost(addUpDay(DAY, [run(4, 10)], 5), null), "$4.00 (1 run(s))");
    assert.match(
      describeEstimate(today),
      /^\$12\.00 estimated for 1 run\(s\) .*\$0\.40 per agent-minute/,
    );
    assert.match(
      describeEstimate(addUpDay(DAY, [run(null, 3)], 5)),
      /no run today reported a cost and an agent time, so each counts \$5\.00 a run \(unknown-run-cost\)/,
    );
  });
});

describe("runFigureProblems", () => {
  it("accepts figures in range, missing ones and null", () => {
    assert.deepEqual(runFigureProblems({}), []);
    assert.deepEqual(
      runFigureProblems({
        cost_usd: MAX_RUN_COST_USD,
        iterations: null,
        tokens: { input: 5, output: null },
      }),
      [],
    );
  });

  it("names the field, the value and what is accepted", () => {
    assert.deepEqual(
      runFigureProblems({
        cost_usd: -1,
        iterations: 1.5,
        tokens: { input: Number.POSITIVE_INFINITY, cache_read: "9" },
      }),
      [
        "cost_usd is -1; accepted: a number from 0 to 10,000 (USD), or null for unknown",
        "iterations is 1.5; accepted: a whole number from 0 to 1,000,000 (iterations), or null for unknown",
        "tokens.input is Infinity; accepted: a whole number from 0 to 100,000,000,000 (tokens), or null for unknown",
        'tokens.cache_read is "9"; accepted: a whole number from 0 to 100,000,000,000 (tokens), or null for unknown',
      ],
    );
    assert.deepEqual(runFigureProblems({ cost_usd: Number.NaN }), [
      "cost_usd is NaN; accepted: a number from 0 to 10,000 (USD), or null for unknown",
    ]);
    assert.match(runFigureProblems({ cost_usd: 1e12 })[0] ?? "", /^cost_usd is 1000000000000;/);
    assert.match(
      runFigureProblems({ tokens: [1] })[0] ?? "",
      /^tokens is \[1\]; accepted: an object/,
    );
  });
});
