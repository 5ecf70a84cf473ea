import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { goalStatsMain, parseSince } from "../../src/cli/goal-stats.js";
import type { RunResultMarker } from "../../src/core/markers.js";
import { createGoal } from "../../src/flows/create-goal.js";
import type { StatsReport } from "../../src/stats/report-types.js";
import { captureIo } from "../helpers/cli-io.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";
import { bundleRuntimes, run } from "../helpers/runtimes.js";
import { statsRecord } from "../helpers/stats-record.js";

const NOW = new Date("2026-11-20T12:00:00Z");

/** A record as the runner writes it; `fields` may hold what a record should not (bad types). */
function record(fields: Record<string, unknown> & { goal: number; attempt: number }) {
  return {
    ...statsRecord({
      goal: fields.goal,
      attempt: fields.attempt,
      started_at: "2026-11-19T09:00:00.000Z",
      finished_at: "2026-11-19T09:30:00.000Z",
      wall_seconds: 1800,
      agent_seconds: 1700,
      tokens: { input: 1000, output: 500, cache_read: null, cache_create: null },
      cost_usd: 2.25,
      time_seconds: { llm: 1200, tools: 500, other: null, total: 1700 },
      lines_added: 40,
      lines_deleted: 3,
      files_changed: 2,
    }),
    ...fields,
  };
}

describe("goal-stats from this machine's stats file", () => {
  let state: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    state = mkdtempSync(join(tmpdir(), "goal-stats-"));
    env = { XDG_STATE_HOME: state };
    await mkdir(join(state, "goal-orchestrator"), { recursive: true });
    const lines = [
      record({
        goal: 1,
        attempt: 1,
        outcome: "failure",
        cost_usd: 1,
        finished_at: "2026-11-18T10:00:00.000Z",
        started_at: "2026-11-18T09:00:00.000Z",
      }),
      record({ goal: 1, attempt: 2, pr_url: "https://github.com/acme/widgets/pull/7" }),
      record({ goal: 2, attempt: 1, cost_usd: null, tokens: {} }),
      record({ goal: 3, attempt: 1, repository: "acme/other", cost_usd: 9 }),
    ].map((line) => JSON.stringify(line));
    lines.splice(2, 0, "{ not json");
    writeFileSync(join(state, "goal-orchestrator", "stats.jsonl"), `${lines.join("\n")}\n`);
  });
  after(() => rmSync(state, { recursive: true, force: true }));

  it("prints goals and totals, keeping unknown costs unknown, and names skipped lines", async () => {
    const { io, out, err } = captureIo();
    const code = await goalStatsMain(["--repo", "acme/widgets"], io, env, () => NOW);
    assert.equal(code, 0, err());
    const text = out();
    assert.match(text, /^3 run\(s\) of 2 goal\(s\) in acme\/widgets \(from local\)/);
    assert.match(
      text,
      /acme\/widgets#1 +done +2 +1h +\$3\.25 +3,000 +\+80 -6 +https:\/\/github\.com\/acme\/widgets\/pull\/7/,
    );
    assert.match(text, /acme\/widgets#2 +done +1 +30m +unknown +unknown/);
    assert.match(text, /cost +\$3\.25 \+ 1 run unknown/);
    assert.match(text, /cost per done goal +\$1\.63 \+ 1 run unknown/);
    assert.match(text, /retry rate +50% needed more than one attempt/);
    assert.doesNotMatch(text, /acme\/other/);
    assert.match(err(), /skipped 1 line\(s\) of .*stats\.jsonl.*line 3: not JSON/);
  });

  it("reports JSON, filtered by --since", async () => {
    const { io, out } = captureIo();
    assert.equal(await goalStatsMain(["--since", "2d", "--json"], io, env, () => NOW), 0);
    const report = JSON.parse(out()) as StatsReport;
    assert.equal(report.since, "2026-11-18T12:00:00.000Z");
    assert.equal(report.totals.runs, 3, "the run that finished before the period is left out");
    assert.deepEqual(report.repositories, ["acme/other", "acme/widgets"]);
    assert.deepEqual(report.totals.cost_usd, { total: 11.25, known: 2, unknown: 1 });
  });

  it("writes the dashboard where --out says", async () => {
    const site = join(state, "site");
    const { io, out } = captureIo();
    assert.equal(await goalStatsMain(["dashboard", "--out", site], io, env, () => NOW), 0);
    assert.match(out(), /Dashboard of 4 run\(s\) written to .*index\.html/);
    const data = JSON.parse(await readFile(join(site, "data.json"), "utf8")) as StatsReport;
    assert.equal(data.totals.runs, 4);
    assert.ok(existsSync(join(site, "index.html")));
  });

  for (const bad of [
    {
      args: ["--since", "last week"],
      message: /--since: "last week" is neither a period \(7d, 12h, 90m\) nor a date/,
    },
    { args: ["--from", "s3"], message: /--from: "s3" is not a source; use local or github/ },
    { args: ["--repo", "widgets"], message: /--repo: / },
    { args: ["chart"], message: /unknown command "chart"; the only command is dashboard/ },
    { args: ["--out", "x"], message: /--out belongs to "goal-stats dashboard"/ },
  ]) {
    it(`refuses ${bad.args.join(" ")} with exit 2 and a message`, async () => {
      const { io, err } = captureIo();
      assert.equal(await goalStatsMain(bad.args, io, env, () => NOW), 2);
      assert.match(err(), bad.message);
    });
  }

  it("reads periods and dates for --since", () => {
    assert.equal(parseSince("7d", NOW).toISOString(), "2026-11-13T12:00:00.000Z");
    assert.equal(parseSince("90m", NOW).toISOString(), "2026-11-20T10:30:00.000Z");
    assert.equal(parseSince("2026-11-01", NOW).toISOString(), "2026-11-01T00:00:00.000Z");
  });
});

describe("goal-stats --from github", () => {
  let gh: GitHubFixture;
  beforeEach(async () => {
    gh = await startGitHubFixture({ labels: true });
  });
  afterEach(() => gh.close());

  /** One attempt: claimed, then finished with `result` moving the goal to `to`. */
  async function attempt(number: number, to: "done" | "queued" | "stuck", result: RunResultMarker) {
    await gh.store.transition(number, { to: "running", reason: "claimed in the test" });
    await gh.store.transition(number, { to, reason: result.reason, marker: result });
  }

  it("rebuilds runs, results and queue depth from the markers alone", async () => {
    const goal = async (title: string) =>
      (await createGoal(gh.store, { title, body: GOAL_BODY, queue: true, spotCheck: false }))
        .number;
    const first = await goal("First </script> goal");
    const second = await goal("Second");
    const third = await goal("Third, never run");
    const now = new Date();
    const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
    // #first: an attempt lost by the dispatcher (no stats), then a success with stats.
    await attempt(first, "queued", {
      kind: "run-result",
      attempt: 1,
      outcome: "failure",
      reason: "attempt 1 lost: its lease expired",
      countsAsAttempt: true,
    });
    await attempt(first, "done", {
      kind: "run-result",
      attempt: 2,
      outcome: "success",
      reason: "committed",
      countsAsAttempt: true,
      prUrl: "https://github.com/acme/widgets/pull/9",
      stats: record({
        goal: first,
        attempt: 2,
        started_at: at(20),
        finished_at: at(1),
        cost_usd: 1.25,
      }),
    });
    await attempt(second, "queued", {
      kind: "run-result",
      attempt: 1,
      outcome: "failure",
      reason: "agent exited 1",
      countsAsAttempt: true,
      stats: record({
        goal: second,
        attempt: 1,
        outcome: "failure",
        started_at: at(20),
        finished_at: at(2),
        cost_usd: 0.5,
      }),
    });

    const { io, out, err } = captureIo();
    const code = await goalStatsMain(["--from", "github", "--json"], io, gh.env);
    assert.equal(code, 0, err());
    const report = JSON.parse(out()) as StatsReport;
    assert.equal(report.source, "github");
    assert.equal(report.totals.runs, 3);
    const rows = new Map(report.goals.map((row) => [row.goal, row]));
    assert.equal(rows.get(first)?.result, "done");
    assert.equal(rows.get(first)?.title, "First </script> goal");
    assert.deepEqual(
      rows.get(first)?.cost_usd,
      { total: 1.25, known: 1, unknown: 1 },
      "the lost attempt's cost is unknown",
    );
    assert.equal(rows.get(first)?.attempts, 2);
    assert.equal(rows.get(first)?.pr_url, "https://github.com/acme/widgets/pull/9");
    assert.equal(rows.get(second)?.result, "open");
    assert.equal(rows.has(third), false, "a goal without runs has no row");
    // Three goals were queued; each claim and result moved the counts.
    const last = report.queue[report.queue.length - 1];
    assert.deepEqual([last?.queued, last?.running], [2, 0]);
    assert.equal(Math.max(...report.queue.map((point) => point.queued)), 3);
    assert.equal(Math.max(...report.queue.map((point) => point.running)), 1);
  });
});

for (const runtime of bundleRuntimes()) {
  it(`the bundled goal-stats runs on ${runtime.name}`, async () => {
    const state = mkdtempSync(join(tmpdir(), "goal-stats-bundle-"));
    try {
      await mkdir(join(state, "goal-orchestrator"), { recursive: true });
      writeFileSync(
        join(state, "goal-orchestrator", "stats.jsonl"),
        `${JSON.stringify(record({ goal: 4, attempt: 1 }))}\n`,
      );
      const result = await run(runtime.node, [resolve("dist/goal-stats/index.js"), "--json"], {
        env: { PATH: process.env.PATH, XDG_STATE_HOME: state },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as StatsReport).totals.done, 1);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
}
