import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseStatsLines,
  parseStatsRecord,
  type RunStatsRecord,
} from "../../src/core/stats-record.js";
import { buildReport, goalTimeline, median } from "../../src/stats/report.js";
import { statsRecord } from "../helpers/stats-record.js";

const NOW = new Date("2026-11-20T12:00:00Z");

const run = statsRecord;

describe("buildReport", () => {
  const runs = [
    // #1: fails once, then succeeds the next day.
    run({ goal: 1, attempt: 1, outcome: "failure", finished_at: "2026-11-17T09:00:00.000Z" }),
    run({
      goal: 1,
      attempt: 2,
      finished_at: "2026-11-18T09:00:00.000Z",
      pr_url: "https://github.com/acme/widgets/pull/10",
    }),
    // #2: one success whose cost is unknown.
    run({ goal: 2, attempt: 1, cost_usd: null, finished_at: "2026-11-19T09:00:00.000Z" }),
    // #3: stuck after a failure that says so.
    run({
      goal: 3,
      attempt: 1,
      outcome: "failure",
      goal_state: "stuck",
      cost_usd: 4,
      finished_at: "2026-11-19T10:00:00.000Z",
    }),
    // #4: interrupted (no attempt used), then waiting for review.
    run({
      goal: 4,
      attempt: 1,
      outcome: "interrupted",
      cost_usd: 0.5,
      finished_at: "2026-11-19T11:00:00.000Z",
    }),
    run({ goal: 4, attempt: 1, outcome: "spot-check", finished_at: "2026-11-19T12:00:00.000Z" }),
  ];
  const report = buildReport({ runs, source: "local", since: null, now: NOW });

  it("sums each goal's runs, keeping unknown figures apart from zero", () => {
    const byGoal = new Map(report.goals.map((goal) => [goal.goal, goal]));
    const one = byGoal.get(1);
    assert.equal(one?.result, "done");
    assert.equal(one?.attempts, 2);
    assert.deepEqual(one?.cost_usd, { total: 3, known: 2, unknown: 0 });
    assert.equal(one?.pr_url, "https://github.com/acme/widgets/pull/10");
    assert.equal(one?.done_at, "2026-11-18T09:00:00.000Z");
    assert.deepEqual(byGoal.get(2)?.cost_usd, { total: 0, known: 0, unknown: 1 });
    assert.equal(byGoal.get(3)?.result, "stuck");
    const four = byGoal.get(4);
    assert.equal(four?.result, "spot-check");
    assert.equal(four?.attempts, 1, "an interrupted run uses no attempt");
    assert.equal(four?.runs, 2);
    assert.deepEqual(
      report.goals.map((goal) => goal.goal),
      [4, 3, 2, 1],
      "most recently active first",
    );
  });

  it("computes rates, cost per done goal and the median time to done", () => {
    const { totals } = report;
    assert.equal(totals.runs, 6);
    assert.equal(totals.done, 2);
    assert.equal(totals.stuck, 1);
    assert.equal(totals.spot_check, 1);
    assert.equal(totals.success_rate, 2 / 4);
    assert.equal(totals.stuck_rate, 1 / 4);
    assert.equal(totals.retry_rate, 1 / 4);
    assert.deepEqual(totals.cost_usd, { total: 1.5 * 3 + 0.5 + 4, known: 5, unknown: 1 });
    // Done goals #1 ($3) and #2 (unknown): the known part per done goal, with the gap said.
    assert.deepEqual(totals.cost_per_done_goal, { value: 1.5, unknown: 1 });
    // #1: first run started 2026-11-17T08:50, success finished 2026-11-18T09:00 → 87,000 s; #2: 600 s.
    assert.equal(totals.median_seconds_to_done, (87_000 + 600) / 2);
    assert.deepEqual(totals.time_split.llm, { total: 1800, known: 6, unknown: 0 });
    assert.deepEqual(
      totals.most_expensive.map((goal) => goal.goal),
      [3, 1, 4],
    );
  });

  it("has a row for every day, quiet days included", () => {
    assert.deepEqual(
      report.days.map((day) => [day.day, day.runs, day.done, day.failed, day.cost_usd.unknown]),
      [
        ["2026-11-17", 1, 0, 1, 0],
        ["2026-11-18", 1, 1, 0, 0],
        ["2026-11-19", 4, 1, 1, 1],
      ],
    );
    assert.equal(report.totals.done_per_day, 2 / 3);
    const gap = buildReport({
      runs: [
        runs[0] as RunStatsRecord,
        run({ goal: 9, attempt: 1, finished_at: "2026-11-20T01:00:00Z" }),
      ],
      source: "local",
      since: null,
      now: NOW,
    });
    assert.deepEqual(
      gap.days.map((day) => [day.day, day.runs]),
      [
        ["2026-11-17", 1],
        ["2026-11-18", 0],
        ["2026-11-19", 0],
        ["2026-11-20", 1],
      ],
    );
  });

  it("leaves out runs finished before --since", () => {
    const recent = buildReport({
      runs,
      source: "local",
      since: new Date("2026-11-19T00:00:00Z"),
      now: NOW,
    });
    assert.equal(recent.totals.runs, 4);
    assert.deepEqual(recent.goals.map((goal) => goal.goal).sort(), [2, 3, 4]);
    assert.equal(recent.since, "2026-11-19T00:00:00.000Z");
  });

  it("rebuilds queue depth from state histories and takes results from the current state", () => {
    const histories = [
      {
        repository: "acme/widgets",
        goal: 1,
        title: "First",
        url: "https://github.com/acme/widgets/issues/1",
        state: "done" as const,
        timeline: goalTimeline("2026-11-17T08:00:00Z", "done", [
          { at: "2026-11-17T08:40:00Z", from: "queued", to: "running" },
          { at: "2026-11-17T09:00:00Z", from: "running", to: "queued" },
          { at: "2026-11-18T08:50:00Z", from: "queued", to: "running" },
          { at: "2026-11-18T09:00:00Z", from: "running", to: "done" },
        ]),
      },
      {
        repository: "acme/widgets",
        goal: 2,
        title: "Second",
        url: "https://github.com/acme/widgets/issues/2",
        state: "queued" as const,
        timeline: goalTimeline("2026-11-17T08:30:00Z", "queued", []),
      },
    ];
    const withHistory = buildReport({
      runs: runs.slice(0, 3),
      histories,
      source: "github",
      since: null,
      now: NOW,
    });
    assert.deepEqual(
      withHistory.queue.map((point) => [point.at, point.queued, point.running]),
      [
        ["2026-11-17T08:00:00Z", 1, 0],
        ["2026-11-17T08:30:00Z", 2, 0],
        ["2026-11-17T08:40:00Z", 1, 1],
        ["2026-11-17T09:00:00Z", 2, 0],
        ["2026-11-18T08:50:00Z", 1, 1],
        ["2026-11-18T09:00:00Z", 1, 0],
      ],
    );
    const two = withHistory.goals.find((goal) => goal.goal === 2);
    assert.equal(two?.result, "open", "the label says queued, whatever its runs say");
    assert.equal(two?.title, "Second");
    assert.deepEqual(buildReport({ runs, source: "local", since: null, now: NOW }).queue, []);
  });

  it("dates a reviewed goal's done from its history: it never had a successful run", () => {
    const review = run({
      goal: 8,
      attempt: 1,
      outcome: "spot-check",
      finished_at: "2026-11-18T10:00:00.000Z",
    });
    const history = {
      repository: "acme/widgets",
      goal: 8,
      title: "Reviewed",
      url: "https://github.com/acme/widgets/issues/8",
      state: "done" as const,
      timeline: goalTimeline("2026-11-18T09:00:00Z", "done", [
        { at: "2026-11-18T09:50:00Z", from: "queued", to: "running" },
        { at: "2026-11-18T10:00:00Z", from: "running", to: "spot-check" },
        { at: "2026-11-19T08:00:00Z", from: "spot-check", to: "done" },
      ]),
    };
    const reviewed = buildReport({
      runs: [review],
      histories: [history],
      source: "github",
      since: null,
      now: NOW,
    });
    assert.equal(reviewed.goals[0]?.done_at, "2026-11-19T08:00:00Z");
    assert.deepEqual(
      reviewed.days.map((day) => [day.day, day.runs, day.done]),
      [
        ["2026-11-18", 1, 0],
        ["2026-11-19", 0, 1],
      ],
    );
    assert.equal(reviewed.totals.median_seconds_to_done, 22 * 3600 + 600);
  });

  it("reports nothing without runs, with no rate invented", () => {
    const empty = buildReport({ runs: [], source: "local", since: null, now: NOW });
    assert.equal(empty.totals.success_rate, null);
    assert.equal(empty.totals.median_seconds_to_done, null);
    assert.equal(empty.totals.done_per_day, null);
    assert.deepEqual(empty.days, []);
  });

  it("takes the median of odd and even counts", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([]), null);
  });
});

describe("stats records read back", () => {
  it("keeps a record's figures and makes missing or mistyped ones unknown", () => {
    const record = parseStatsRecord({
      repository: "acme/widgets",
      goal: 5,
      attempt: 2,
      outcome: "failure",
      started_at: "2026-11-18T09:00:00Z",
      finished_at: "2026-11-18T09:10:00Z",
      files_changed: "3",
      tokens: { input: 10 },
      goal_state: "stuck",
      future_field: true,
    });
    assert.equal(record?.cost_usd, null);
    assert.equal(record?.files_changed, null);
    assert.deepEqual(record?.tokens, {
      input: 10,
      output: null,
      cache_read: null,
      cache_create: null,
    });
    assert.equal(record?.wall_seconds, 600);
    assert.equal(record?.goal_state, "stuck");
    assert.equal(record && "future_field" in record, false);
  });

  it("makes the agent's figures unknown when one is not a figure a run may report (an old or forged marker)", () => {
    for (const bad of [
      { cost_usd: -1 },
      { cost_usd: "3.50" },
      { cost_usd: 1e12 },
      { cost_usd: 10_000.01 },
      { tokens: { input: 10, output: -5 } },
      { tokens: { input: 1.5 } },
      { tokens: "many" },
      { iterations: 2_000_000 },
    ]) {
      const record = parseStatsRecord({
        ...run({ goal: 1, attempt: 1, agent_seconds: -3 }),
        ...bad,
      });
      assert.ok(record, JSON.stringify(bad));
      assert.equal(record.cost_usd, null, JSON.stringify(bad));
      assert.equal(record.iterations, null, JSON.stringify(bad));
      assert.deepEqual(record.tokens, {
        input: null,
        output: null,
        cache_read: null,
        cache_create: null,
      });
      assert.equal(record.time_seconds.total, null);
      assert.equal(record.exit_reason, null);
      assert.equal(record.agent_seconds, null, "a negative agent time is unknown");
      assert.equal(record.lines_added, 10, "git's figures stay");
    }
    const most = parseStatsRecord({ ...run({ goal: 1, attempt: 1 }), cost_usd: 10_000 });
    assert.equal(most?.cost_usd, 10_000);
    assert.equal(most?.iterations, 3);
  });

  it("refuses what cannot place a run, and lists skipped lines by number", () => {
    const good = JSON.stringify(run({ goal: 1, attempt: 1 }));
    const parsed = parseStatsLines(
      [good, "", "{not json", JSON.stringify({ goal: 1, attempt: 1 }), good].join("\n"),
    );
    assert.equal(parsed.records.length, 2);
    assert.deepEqual(
      parsed.skipped.map((line) => line.split(":")[0]),
      ["line 3", "line 4"],
    );
    for (const bad of [
      { ...run({ goal: 1, attempt: 1 }), repository: "no-slash" },
      { ...run({ goal: 1, attempt: 1 }), goal: 0 },
      { ...run({ goal: 1, attempt: 1 }), outcome: "maybe" },
      { ...run({ goal: 1, attempt: 1 }), finished_at: "yesterday" },
    ]) {
      assert.equal(parseStatsRecord(bad), null, JSON.stringify(bad).slice(0, 80));
    }
  });
});
