import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildStatsRecord } from "../../src/flows/run-stats.js";

describe("the stats record", () => {
  it("keeps unknown figures unknown and measures wall, agent and overhead time", () => {
    const record = buildStatsRecord({
      repository: "acme/widgets",
      goal: 7,
      story: null,
      attempt: 1,
      outcome: "failure",
      reason: "r",
      startedAt: new Date("2026-01-01T00:00:00Z"),
      finishedAt: new Date("2026-01-01T00:01:40Z"),
      agentSeconds: 90,
      agentExitCode: 1,
      agent: null,
      diff: null,
      model: "sonnet",
      reasoning: "med",
      prUrl: null,
    });
    assert.equal(record.wall_seconds, 100);
    assert.equal(record.agent_seconds, 90);
    assert.equal(record.overhead_seconds, 10);
    assert.equal(record.cost_usd, null);
    assert.equal(record.lines_added, null);
    assert.deepEqual(record.tokens, {
      input: null,
      output: null,
      cache_read: null,
      cache_create: null,
    });
  });
});
