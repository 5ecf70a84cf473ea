import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { orchestratorMain } from "../../src/cli/orchestrator.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { captureIo } from "../helpers/cli-io.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { doneToday } from "../helpers/goals.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { processesWith } from "../helpers/processes.js";
import { bundleRuntimes, run } from "../helpers/runtimes.js";
import { agentFlags, startWorld, type TestWorld } from "../helpers/world.js";

// The local loop: dispatch cycles and agents on this machine, against the local GitHub API
// server with a bare git repository as origin and test/agents/agent.mjs as the agent.

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

const env = () => w.cliEnv();

async function queued(title: string) {
  return (await createGoal(w.store, { title, body: GOAL_BODY, queue: true, spotCheck: false }))
    .number;
}

/** One cycle (`--once`) with the committing agent and `flags`: the exit code and what it printed. */
async function runOnce(...flags: string[]) {
  const { io, text } = captureIo();
  const code = await orchestratorMain(
    ["--once", ...flags, "--clone-url", w.bare.gitDir, ...agentFlags("commit")],
    io,
    env(),
    new EventEmitter(),
  );
  return { code, text };
}

const stateOf = async (number: number) => (await w.store.getGoal(number)).state;

/** For the loops that wait for events: their end when the event never comes. */
const SAFETY_NET = { timeout: 120_000 };

/** One turn of the event loop, for the orchestrator to get on with its work. */
const pause = () => new Promise((done) => setImmediate(done));

/**
 * The loop (not --once) on a manual clock that nobody moves: no interval ever passes, so every
 * cycle after the first is one a finished agent woke. Stops it (SIGINT) once `goals` attempts
 * have ended. Fails at once, instead of hanging, when the loop sleeps while no agent runs and
 * a goal still waits: only an interval, which never comes, would start its next cycle.
 */
async function runWoken(args: string[], goals: number) {
  const clock = new ManualClock();
  const signals = new EventEmitter();
  const { io: captured, text } = captureIo();
  let claimed = 0;
  let ended = 0;
  let stalled = false;
  // After the agent's line (and the wake-up that follows it) and after each fall asleep.
  const check = () =>
    setImmediate(() => {
      if (stalled || clock.sleepers() === 0 || ended >= goals || claimed > ended) return;
      stalled = true;
      signals.emit("SIGINT");
    });
  const io = {
    ...captured,
    stdout: (line: string) => {
      captured.stdout(line);
      if (/: attempt \d+ claimed: /.test(line)) claimed++;
      if (/: attempt \d+: /.test(line)) {
        if (++ended === goals) signals.emit("SIGINT");
        check();
      }
    },
  };
  const intervals = {
    after: (ms: number, fire: () => void) => {
      const cancel = clock.after(ms, fire);
      check();
      return cancel;
    },
  };
  const code = await orchestratorMain(args, io, env(), signals, intervals);
  assert.equal(code, 0, text());
  assert.ok(
    !stalled,
    `the loop slept for its interval with a goal queued and no agent running:\n${text()}`,
  );
  assert.equal(ended, goals, text());
  return text();
}

describe("orchestrator", () => {
  it("claims up to --max goals, runs an agent for each, and delivers their PRs", async () => {
    const [first, second, third] = [
      await queued("one"),
      await queued("two"),
      await queued("three"),
    ];
    const { io, text } = captureIo();
    const code = await orchestratorMain(
      [
        "--once",
        "--max",
        "2",
        "--clone-url",
        w.bare.gitDir,
        ...agentFlags("commit"),
        "--duration",
        "5m",
      ],
      io,
      env(),
      new EventEmitter(),
    );
    assert.equal(code, 0, text());
    assert.equal(await stateOf(first as number), "done");
    assert.equal(await stateOf(second as number), "done");
    assert.equal(await stateOf(third as number), "queued", "--max 2: the third waits");
    assert.match(text(), new RegExp(`acme/widgets#${first}: attempt 1 claimed: one`));
    assert.match(
      text(),
      new RegExp(
        `acme/widgets#${second}: attempt 1: success → goal:done http\\S+/pull/\\d+ \\(\\S+, \\$0\\.42\\)`,
      ),
    );
    const claim = (await w.store.getGoal(first as number)).markers.find((m) => m.kind === "claim");
    assert.equal(claim?.kind === "claim" ? claim.claimedBy.pid : undefined, process.pid);
    const stats = readFileSync(join(w.dir, "state", "goal-orchestrator", "stats.jsonl"), "utf8");
    assert.equal(stats.trim().split("\n").length, 2);
    assert.ok(
      existsSync(join(w.dir, "state", "goal-orchestrator", "logs", `acme-widgets-${first}-1.log`)),
      "the agent's log where watch-ralphs looks",
    );
  });

  it(
    "starts the next goal as soon as an agent frees its slot, not at the next interval",
    SAFETY_NET,
    async () => {
      const [first, second] = [await queued("one"), await queued("two")];
      const text = await runWoken(
        ["--max", "1", "--interval", "1h", "--clone-url", w.bare.gitDir, ...agentFlags("commit")],
        2,
      );
      assert.equal(await stateOf(first as number), "done", text);
      assert.equal(await stateOf(second as number), "done", text);
    },
  );

  it(
    "gives every slot an agent freed to the next cycle: 9 instant goals at --max 3 take 3 cycles, not 5",
    SAFETY_NET,
    async () => {
      const goals = 9;
      for (let i = 1; i <= goals; i++) await queued(`instant ${i}`);
      const text = await runWoken(
        ["--max", "3", "--interval", "1h", "--clone-url", w.bare.gitDir, ...agentFlags("commit")],
        goals,
      );
      // Claims per cycle that claimed: each cycle prints its claims, then one summary line.
      const claims: number[] = [];
      let pending = 0;
      for (const line of text.split("\n")) {
        if (/: attempt 1 claimed: /.test(line)) pending++;
        if (/ agent\(s\) here, /.test(line) && pending > 0) {
          claims.push(pending);
          pending = 0;
        }
      }
      assert.equal(
        claims.reduce((a, b) => a + b, 0),
        goals,
        `claims per cycle ${claims}`,
      );
      // Ideal: 3, 3, 3. A cycle woken by the first agent of a batch to finish once saw the
      // others still running and claimed 1 (3, 1, 2, 1, 2); now it counts them when it claims.
      assert.equal(claims[0], 3);
      assert.ok(claims.length <= 4, `claims per cycle ${claims}: near 3, 3, 3\n${text}`);
      // runWoken stops once 9 attempts ended, whatever their outcome: each goal's first succeeded.
      const successes = text.split("\n").filter((line) => /: attempt 1: success/.test(line));
      assert.equal(successes.length, goals, text);
    },
  );

  it("runs the next cycle when its interval has passed, not before", SAFETY_NET, async () => {
    const clock = new ManualClock();
    const signals = new EventEmitter();
    const { io: captured, text } = captureIo();
    const io = {
      ...captured,
      stdout: (line: string) => {
        captured.stdout(line);
        if (/: attempt 1: /.test(line)) signals.emit("SIGINT");
      },
    };
    const running = orchestratorMain(
      ["--interval", "5m", "--clone-url", w.bare.gitDir, ...agentFlags("commit")],
      io,
      env(),
      signals,
      clock,
    );
    // The first cycle finds nothing to do; the loop sleeps for its interval.
    while (clock.sleepers() === 0) await pause();
    const number = await queued("later");
    await clock.advance(5 * 60_000 - 1);
    assert.equal(clock.sleepers(), 1, "still asleep a millisecond before the interval");
    await clock.advance(1);
    assert.equal(await running, 0, text());
    assert.equal(await stateOf(number), "done", text());
    assert.match(text(), new RegExp(`acme/widgets#${number}: attempt 1 claimed: later`));
  });

  it("takes each repository's settings file under its flags", async () => {
    await w.settingsFile("max: 1\n");
    const [first, second] = [await queued("one"), await queued("two")];
    const { code, text } = await runOnce();
    assert.equal(code, 0, text());
    assert.equal(await stateOf(first as number), "done");
    assert.equal(await stateOf(second as number), "queued", "max: 1 from the file");
  });

  it("claims nothing once today's recorded cost reaches --budget, and says so", async () => {
    await doneToday(w.store, 5);
    const waiting = await queued("waiting");
    const { code, text } = await runOnce("--budget", "5usd/day");
    assert.equal(code, 0, text());
    assert.match(text(), /budget \$5\.00\/day/);
    assert.match(
      text(),
      /Today's recorded cost \$5\.00 reached the budget of \$5\.00\/day: nothing new is claimed/,
    );
    assert.equal(await stateOf(waiting), "queued");
  });

  it(
    "on Ctrl-C stops the agents and re-queues their goals without using an attempt",
    SAFETY_NET,
    async () => {
      const number = await queued("hangs");
      const signals = new EventEmitter();
      const { io, text } = captureIo();
      const work = join(w.dir, "cache", "goal-orchestrator", "workspaces", "acme", "widgets");
      const pidFile = join(work, String(number), "work", ".git", "dump", "pid");
      const watcher = setInterval(() => {
        if (existsSync(pidFile)) {
          clearInterval(watcher);
          signals.emit("SIGINT");
          signals.emit("SIGINT"); // impatient: says so (a real second Ctrl-C exits the process)
        }
      }, 50);
      // On a clock that never moves: the only cycle is the first, whatever the machine's speed.
      const code = await orchestratorMain(
        ["--clone-url", w.bare.gitDir, ...agentFlags("hang"), "--interval", "1s"],
        io,
        env(),
        signals,
        new ManualClock(),
      );
      clearInterval(watcher);
      assert.equal(code, 0, text());
      assert.match(text(), /stopping: 1 agent\(s\) are told to stop/);
      assert.match(text(), /stopping now; goals still running return to the queue/);
      const goal = await w.store.getGoal(number);
      assert.equal(goal.state, "queued");
      const result = goal.markers.findLast((m) => m.kind === "run-result");
      assert.equal(
        result?.kind === "run-result" ? result.outcome : "",
        "interrupted",
        result?.kind === "run-result" ? result.reason : "no result",
      );
      assert.equal(result?.kind === "run-result" ? result.countsAsAttempt : true, false);
      assert.deepEqual(processesWith(join(work, String(number))), [], "the agent is gone");
    },
  );

  it("reports a failed dispatch cycle and, with --once, exits non-zero", async () => {
    const waiting = await queued("waiting");
    // The dispatch lock's first read fails: the cycle cannot take the lock, so it fails.
    w.server.faults.add({ route: "issues/list-labels-for-repo", status: 403, times: 1 });
    const { code, text } = await runOnce();
    assert.equal(code, 1, text());
    assert.match(text(), /acme\/widgets: the dispatch cycle failed: /);
    assert.equal(await stateOf(waiting), "queued");
  });

  it("refuses bad flags, naming each, and starts nothing", async () => {
    await queued("untouched");
    w.server.resetRequests();
    const { io, text } = captureIo();
    const code = await orchestratorMain(
      [
        "--max",
        "0",
        "--interval",
        "5",
        "--agent-env",
        "GOOD,not-a-name",
        "--repo",
        "acme/widgets",
        "--repo",
        "acme/other",
        "--clone-url",
        w.bare.gitDir,
      ],
      io,
      env(),
      new EventEmitter(),
    );
    assert.equal(code, 2);
    assert.match(text(), /max: /);
    assert.match(text(), /--interval.*"5".*Add a unit, like 5m/);
    assert.match(text(), /--agent-env: "not-a-name"/);
    assert.match(text(), /--clone-url: only with a single --repo/);
    assert.deepEqual(w.server.requests, [], "GitHub was not even asked");
  });
});

for (const runtime of bundleRuntimes()) {
  it(`the bundled orchestrator starts on ${runtime.name} and explains a bad flag`, async () => {
    const bundle = resolve("dist/orchestrator/index.js");
    const help = await run(runtime.node, [bundle, "--help"], { env: { PATH: process.env.PATH } });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: orchestrator/);
    const bad = await run(runtime.node, [bundle, "--max", "many"], {
      env: { PATH: process.env.PATH },
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^orchestrator: max: "many"/);
  });
}
