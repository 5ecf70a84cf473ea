import assert from "node:assert/strict";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { TrustedMarker } from "../../src/core/markers.js";
import type { StatsReport } from "../../src/stats/report-types.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { goalHelpers, hoursFromNow } from "../helpers/goals.js";
import { spentByOldBot, worldWithOldBot } from "../helpers/old-identity.js";
import { run } from "../helpers/runtimes.js";
import { statsRecord } from "../helpers/stats-record.js";
import { type Account, agentFlags, type TestWorld } from "../helpers/world.js";

// The settings file's marker-authors, honoured by the bundled CLIs (goal, goal-stats,
// goal-create through the shared connection, and orchestrator): markers written by the
// orchestrator's earlier account (old-bot) count when the repository's
// .github/goal-orchestrator.yml lists it, and are ignored when it does not.

const bundle = (name: string) => resolve("dist", name, "index.js");
let w: TestWorld;
let oldBot: Account;

beforeEach(async () => {
  ({ world: w, oldBot } = await worldWithOldBot());
});
afterEach(() => w.close());

const { goal: queued, endAttempt } = goalHelpers(() => w);

const cli = (name: string, args: string[], input = "") =>
  run(process.execPath, [bundle(name), ...args], { env: w.cliEnv(), input, cwd: w.dir });

/** A goal old-bot claimed and ran to a failure, with the run's stats; queued again. */
async function failedUnderOldBot(title: string) {
  const number = await queued(title);
  const stats = statsRecord({
    goal: number,
    attempt: 1,
    outcome: "failure",
    finished_at: hoursFromNow(-1),
    cost_usd: 2.5,
  });
  await endAttempt(
    number,
    "queued",
    {
      outcome: "failure",
      reason: "agent exited 1",
      stats: stats as unknown as Record<string, unknown>,
    },
    oldBot.store,
  );
  return number;
}

describe("goal show with marker-authors", () => {
  async function shownMarkers(number: number) {
    const shown = await cli("goal", ["show", String(number), "--json"]);
    assert.equal(shown.code, 0, shown.stderr);
    return (JSON.parse(shown.stdout) as { markers: TrustedMarker[] }).markers;
  }

  it("lists old-bot's markers when the settings file names old-bot", async () => {
    await w.settingsFile("marker-authors: old-bot\n");
    const number = await failedUnderOldBot("Failed under the old token");
    const markers = await shownMarkers(number);
    assert.deepEqual(
      markers.map((m) => (m.kind === "transition" ? `${m.kind} ${m.from} → ${m.to}` : m.kind)),
      ["claim", "transition queued → running", "transition running → queued", "run-result"],
    );
    const text = await cli("goal", ["show", String(number)]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /agent exited 1/);
  });

  it("ignores them without the setting", async () => {
    await w.settingsFile("model: opus\n");
    const number = await failedUnderOldBot("Failed under an untrusted account");
    const markers = await shownMarkers(number);
    assert.deepEqual(
      markers.map((m) => (m.kind === "transition" ? `${m.kind} ${m.from} → ${m.to}` : m.kind)),
      [],
      "old-bot wrote them all",
    );
  });
});

describe("goal-stats --from github with marker-authors", () => {
  async function report() {
    const result = await cli("goal-stats", ["--from", "github", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as StatsReport;
  }

  it("counts old-bot's runs when the settings file names old-bot", async () => {
    await w.settingsFile("marker-authors: [old-bot]\n");
    const number = await failedUnderOldBot("Failed under the old token");
    const stats = await report();
    assert.equal(stats.totals.runs, 1);
    assert.deepEqual(
      stats.goals.map((row) => [row.goal, row.cost_usd.total]),
      [[number, 2.5]],
    );
  });

  it("ignores them without the setting", async () => {
    await failedUnderOldBot("Failed under an untrusted account");
    const stats = await report();
    assert.equal(stats.totals.runs, 0);
  });
});

describe("goal-create with marker-authors", () => {
  it("reads the setting before connecting: a wrong value creates nothing", async () => {
    await w.settingsFile("marker-authors: old bot/with spaces\n");
    const refused = await cli("goal-create", ["--title", "Refused"], GOAL_BODY);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /marker-authors: .*not a GitHub login.*goal-orchestrator\.yml/);
    assert.equal(
      w.server.requests.filter((r) => r.operationId === "issues/create").length,
      0,
      "nothing was created",
    );
    await w.settingsFile("marker-authors: old-bot\n");
    const created = await cli("goal-create", ["--title", "Accepted", "--json"], GOAL_BODY);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { state: string }).state, "draft");
  });
});

describe("orchestrator with marker-authors", () => {
  /** A goal old-bot spent, each attempt claimed by an orchestrator on its machine. */
  const spentOnMachines = () =>
    spentByOldBot(w, oldBot, (attempt) => ({ host: "old-host", pid: attempt }));

  const orchestrateOnce = () =>
    cli("orchestrator", [
      "--once",
      "--clone-url",
      w.bare.gitDir,
      ...agentFlags("commit"),
      "--duration",
      "5m",
    ]);

  const stateOf = async (number: number) => (await w.store.getGoal(number)).state;

  it("counts old-bot's failed attempts when the file names old-bot", async () => {
    await w.settingsFile("marker-authors: old-bot\n");
    const spent = await spentOnMachines();
    const result = await orchestrateOnce();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(await stateOf(spent), "stuck");
    assert.match(result.stdout, new RegExp(`#${spent}: goal:stuck: .*used all 3 of its attempts`));
    assert.doesNotMatch(result.stdout, /attempt \d+ claimed/);
  });

  it("ignores old-bot's markers without the setting", async () => {
    await w.settingsFile("max: 1\n");
    const spent = await spentOnMachines();
    const result = await orchestrateOnce();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`acme/widgets#${spent}: attempt 1 claimed`));
    assert.equal(await stateOf(spent), "done");
  });
});
