import assert from "node:assert/strict";
import { type ChildProcess, execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";
import { type ActionRun, runActionBundle } from "../helpers/action-runner.js";
import { goalHelpers } from "../helpers/goals.js";
import { processesWith } from "../helpers/processes.js";
import { bundleRuntimes } from "../helpers/runtimes.js";
import { testClockFile } from "../helpers/test-clock-file.js";
import { agentCommand, startWorld, type TestWorld } from "../helpers/world.js";

// The bundled runner action, run as the workflow runs it (main step, then post step), against
// the local GitHub API server, with a bare git repository as origin and test/agents/agent.mjs
// as the agent. What one attempt does is tested in-process in test/flows/run-goal.test.ts; here
// is only what the bundle adds: inputs to outputs, job log and summary, input errors, other
// runtimes, the post step, signals, App tokens and time limits by the test clock.

const owner = "acme";
const repo = "widgets";
const exec = promisify(execFile);

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

const { claimedGoal, stateLabels, lastResult, pulls } = goalHelpers(() => w);

function baseEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...w.stepEnv(4242),
    RUNNER_TRACKING_ID: "github_test_tracking",
    // In the runner's environment, as on a real runner: the agent must never see these.
    GITHUB_TOKEN: w.token,
    GH_TOKEN: w.token,
    SECRET_THING: "do-not-pass",
    ALLOWED_THING: "pass-me",
  };
}

function inputsFor(goal: number, mode: string, inputs: Record<string, string> = {}) {
  return w.runnerInputs(goal, mode, {
    "agent-command": agentCommand(`${mode} --goal={goal_file} --model={model}`),
    "agent-env": "ALLOWED_THING",
    ...inputs,
  });
}

/**
 * Runs dist/run/index.js as one step runs it. `state` (the main step's saved state) makes it
 * the post step. `killWhen` SIGKILLs it (and so, as the sandbox dies with it, the agent) once
 * true, `signalWhen` sends it SIGTERM.
 */
function runStep(
  inputs: Record<string, string>,
  options: {
    state?: Record<string, string>;
    node?: string;
    killWhen?: () => boolean;
    signalWhen?: () => boolean;
    /** Variables to set (or override) in the step's environment. */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<ActionRun> {
  const { killWhen, signalWhen } = options;
  const watch = (child: ChildProcess) => {
    const timer = setInterval(() => {
      if (killWhen?.()) child.kill("SIGKILL");
      if (signalWhen?.()) child.kill("SIGTERM");
    }, 50);
    child.on("close", () => clearInterval(timer));
  };
  return runActionBundle(
    options.node ?? process.execPath,
    "run",
    inputs,
    { ...baseEnv(), ...options.env },
    {
      ...(options.state ? { state: options.state } : {}),
      ...(killWhen || signalWhen ? { started: watch } : {}),
    },
  );
}

/** Main step, then (as GitHub does) the post step with the main step's state. */
async function runAction(inputs: Record<string, string>) {
  const main = await runStep(inputs);
  const post = await runStep(inputs, { state: main.state });
  assert.equal(post.code, 0, post.stdout + post.stderr);
  return main;
}

/** Where a goal's workspace is: its trusted clone, the agent's work tree, the run's files. */
const workspaceOf = (number: number) => join(w.dir, "work", owner, repo, String(number));
/** What test/agents/agent.mjs saw, from the newest goal's work tree. */
function dumpDir(): string {
  const goals = readdirSync(join(w.dir, "work", owner, repo))
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  return join(workspaceOf(Math.max(0, ...goals)), "work", ".git", "dump");
}
const dump = (name: string) => readFileSync(join(dumpDir(), name), "utf8");
const dumped = (name: string) => {
  try {
    return existsSync(join(dumpDir(), name));
  } catch {
    return false; // no workspace yet
  }
};

/**
 * Waits until `condition` holds. There is no deadline: what it waits for is an event (a file an
 * agent writes, a process ending), and a test that waits in vain ends at its own timeout.
 */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((done) => setTimeout(done, 20));
}

/** For the slower tests that wait for events: their end when the event never comes. */
const SAFETY_NET = { timeout: 120_000 };

describe("inputs to outputs", () => {
  it("a success: its outputs, job log, summary and files where the inputs say", async () => {
    const number = await claimedGoal("Add CSV export");
    const result = await runAction(inputsFor(number, "commit"));
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.outputs.outcome, "success");
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    const [pull] = await pulls();
    assert.ok(pull);
    assert.equal(result.outputs["pr-url"], pull.html_url);
    const marker = await lastResult(number);
    assert.equal(marker.prUrl, pull.html_url);
    assert.deepEqual(JSON.parse(result.outputs.stats ?? ""), marker.stats);
    assert.match(result.stdout, /^│ agent: commit for goal/m);
    assert.match(result.summary, /attempt 1: success/);
    assert.match(result.summary, /\| cost \| \$0\.42 \|/);
    // The inputs reached the agent (its command, duration and agent-env) ...
    const argv = JSON.parse(dump("argv.json")) as string[];
    assert.equal(argv[2], "--model=sonnet");
    const env = JSON.parse(dump("env.json")) as Record<string, string>;
    assert.equal(env.RALPH_DURATION_SECONDS, "300");
    assert.equal(env.ALLOWED_THING, "pass-me");
    for (const name of ["GITHUB_TOKEN", "GH_TOKEN", "INPUT_TOKEN", "GITHUB_STATE"])
      assert.equal(env[name], undefined, name);
    // ... and the log file and stats.jsonl are where log-dir and XDG_STATE_HOME say.
    assert.ok(existsSync(join(w.dir, "logs", `acme-widgets-${number}-1.log`)));
    assert.ok(existsSync(join(w.dir, "state", "goal-orchestrator", "stats.jsonl")));
  });

  for (const runtime of bundleRuntimes().slice(1)) {
    it(`runs on ${runtime.name} too`, async () => {
      const number = await claimedGoal("Other runtime");
      const result = await runStep(inputsFor(number, "commit"), { node: runtime.node });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(result.outputs.outcome, "success");
      assert.deepEqual(await stateLabels(number), ["goal:done"]);
    });
  }

  it("a failure: its outcome, and the agent's lines issue no workflow command", async () => {
    const number = await claimedGoal("Fails");
    const result = await runAction(inputsFor(number, "fail"));
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.outputs.outcome, "failure");
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    // Every line of the agent's output has a prefix.
    assert.match(result.stdout, /^│ ::error::an agent must not/m);
    assert.doesNotMatch(result.stdout, /^::error::an agent/m);
    assert.doesNotMatch(result.stdout, /stop-commands/);
  });
});

describe("interruption", () => {
  it("after a SIGKILL of the main step, the post step re-queues the goal", SAFETY_NET, async () => {
    const number = await claimedGoal("Killed");
    const inputs = inputsFor(number, "hang");
    const main = await runStep(inputs, { killWhen: () => dumped("pid") });
    assert.equal(main.signal, "SIGKILL");
    // The sandbox dies with the runner, and every process in it: the kernel ends them as the
    // runner dies, a moment after it. An agent that outlived it would end the test at its timeout.
    await eventually(() => processesWith(workspaceOf(number)).length === 0);
    assert.equal(main.state.goal, String(number));
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
    const post = await runStep(inputs, { state: main.state });
    assert.equal(post.code, 0, post.stdout);
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const marker = await lastResult(number);
    assert.equal(marker.outcome, "interrupted");
    assert.equal(marker.countsAsAttempt, false);
    // A second post step (or one after a recorded result) changes nothing.
    const again = await runStep(inputs, { state: main.state });
    assert.match(again.stdout, /nothing to clean up/);
  });
});

describe("interruption before the claim check", () => {
  it("a runner killed while reading its goal still has its post step free the goal", async () => {
    const number = await claimedGoal("Killed early");
    let reading = false;
    let release = () => {};
    const held = new Promise<void>((done) => {
      release = done;
    });
    // Hold the runner's first read of the goal until it has been killed.
    w.server.faults.hook({
      route: "graphql",
      graphqlOperation: "Goal",
      at: "before",
      run: async () => {
        reading = true;
        await held;
      },
    });
    const inputs = inputsFor(number, "commit");
    const main = await runStep(inputs, { killWhen: () => reading });
    release();
    assert.equal(main.signal, "SIGKILL");
    assert.equal(main.state.goal, undefined, "it died before saving which goal it works on");
    const post = await runStep(inputs, { state: main.state });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const marker = await lastResult(number);
    assert.equal(marker.outcome, "interrupted");
    assert.equal(marker.countsAsAttempt, false);
  });

  it("the post step of a runner that found the claim was not its own changes nothing", async () => {
    const number = await claimedGoal("Someone else's");
    const inputs = inputsFor(number, "commit", { attempt: "2" });
    const main = await runStep(inputs);
    assert.equal(main.outputs.outcome, "skipped");
    const post = await runStep(inputs, { state: main.state });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.match(post.stdout, /not running attempt 2 any more; nothing to clean up/);
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
  });
});

describe("cancellation", () => {
  it("SIGTERM stops the agent, pushes its work and re-queues without counting the attempt", async () => {
    const number = await claimedGoal("Cancelled");
    const inputs = inputsFor(number, "hang");
    let signalled = false;
    const main = await runStep(inputs, {
      signalWhen: () => {
        const ready = !signalled && dumped("working");
        if (ready) signalled = true;
        return ready;
      },
    });
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(main.outputs.outcome, "interrupted");
    assert.equal(main.state.recorded, "true");
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const marker = await lastResult(number);
    assert.equal(marker.outcome, "interrupted");
    assert.equal(marker.countsAsAttempt, false);
    assert.match(marker.reason, /work so far is on branch goal\/\d+-cancelled/);
    assert.ok(w.filesOn(`goal/${number}-cancelled`).includes("work.txt"));
    const post = await runStep(inputs, { state: main.state });
    assert.equal(post.code, 0);
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
  });
});

describe("timeout", () => {
  it(
    "after the time is up, still commits what the agent left and pushes its work",
    SAFETY_NET,
    async () => {
      const number = await claimedGoal("Locked");
      const clock = testClockFile(w.dir);
      const inputs = inputsFor(number, "lock", { duration: "2s" });
      const running = runStep(inputs, { env: clock.env });
      // The time runs out once the agent has left its work and the index lock, not before.
      await eventually(() => dumped("working"));
      clock.advance(2000);
      const result = await running;
      const post = await runStep(inputs, { state: result.state, env: clock.env });
      assert.equal(post.code, 0, post.stdout + post.stderr);
      assert.equal(result.outputs.outcome, "failure", result.stdout);
      assert.match(result.stdout, /stopped at its time limit \(2s\)/);
      const marker = await lastResult(number);
      assert.match(marker.reason, /ran out of time|timed out|time/);
      assert.match(marker.reason, /work so far is on branch goal\/\d+-locked/);
      const files = w.filesOn(`goal/${number}-locked`);
      assert.ok(files.includes("more.txt"), "the uncommitted file, despite the stale index lock");
    },
  );
});

describe("sandbox", () => {
  it("without a usable bubblewrap, re-queues without using an attempt and fails the step", async () => {
    const number = await claimedGoal("No sandbox here");
    // A PATH with git and sh but no bwrap.
    const bin = join(w.dir, "bin-without-bwrap");
    mkdirSync(bin);
    for (const tool of ["git", "sh"]) {
      const { stdout } = await exec("sh", ["-c", `command -v ${tool}`]);
      symlinkSync(stdout.trim(), join(bin, tool));
    }
    const inputs = inputsFor(number, "commit");
    const main = await runStep(inputs, { env: { PATH: bin } });
    assert.equal(main.code, 1, main.stdout);
    assert.match(main.stdout, /::error::.*bubblewrap is not installed.*apt-get install bubblewrap/);
    assert.equal(main.outputs.outcome, "interrupted");
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const marker = await lastResult(number);
    assert.equal(marker.countsAsAttempt, false);
    assert.match(marker.reason, /sandbox cannot run on this machine/);
    assert.ok(!existsSync(join(workspaceOf(number), "work")), "the agent never ran");
    const post = await runStep(inputs, { state: main.state });
    assert.equal(post.code, 0, post.stdout);
  });

  it("isolation none runs the agent unsandboxed and says so in the log and the summary", async () => {
    const number = await claimedGoal("Unsandboxed");
    const result = await runAction(inputsFor(number, "commit", { isolation: "none" }));
    assert.equal(result.outputs.outcome, "success", result.stdout);
    assert.match(result.stdout, /::warning::isolation: none/);
    assert.match(result.summary, /isolation: none/);
  });
});

describe("bad inputs", () => {
  it("fails the step naming every bad input, before touching anything", async () => {
    const number = await claimedGoal("Bad");
    const result = await runStep(
      inputsFor(number, "commit", {
        attempt: "x",
        duration: "4x",
        "merge-method": "fast",
        "agent-env": "OK,NOT-OK",
        resume: "maybe",
      }),
    );
    assert.equal(result.code, 1);
    for (const pattern of [
      /attempt: "x"/,
      /duration: "4x"/,
      /merge-method: "fast"/,
      /agent-env: "NOT-OK"/,
      /resume: "maybe"/,
    ]) {
      assert.match(result.stdout, pattern);
    }
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
  });

  it("agent-network none or allow: needs the sandbox to be enforced", async () => {
    const number = await claimedGoal("Unenforceable");
    const result = await runStep(
      inputsFor(number, "commit", { isolation: "none", "agent-network": "none" }),
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /agent-network: "none" is only enforced in the sandbox/);
  });
});

describe("GitHub App authentication", () => {
  /** An App installed on the repository; the test's client and store now act as its bot. */
  async function installApp() {
    const app = await w.installApp();
    // The dispatcher claims as the App too (its claims are the ones the runner trusts).
    w.client = app.client;
    w.store = app.store;
    return app;
  }

  it(
    "renews the installation token, so a run that outlives it still pushes and opens the PR",
    SAFETY_NET,
    async () => {
      const app = await installApp();
      assert.equal(w.store.viewer, "goal-runner[bot]");
      const number = await claimedGoal("Add CSV export");
      // Five minutes: no token expires while the test runs, only when the test moves time. (A
      // JWT lives ten minutes, so the runner can still mint tokens after the move.)
      const lifetimeMs = 5 * 60_000;
      w.server.setInstallationTokenLifetime(lifetimeMs);
      const mintedBefore = w.server.installationTokens(app.appId).length;
      w.server.resetRequests();
      const clock = testClockFile(w.dir);
      const inputs = inputsFor(number, "await", {
        token: "",
        "app-id": String(app.appId),
        "app-private-key": app.pem,
        duration: "1h",
      });
      const running = runStep(inputs, { env: clock.env });
      // While the agent works, a token's lifetime passes, for the server and for the runner:
      // every token from before is dead after.
      await eventually(() => dumped("waiting"));
      w.server.state.clock.advance(lifetimeMs);
      clock.advance(lifetimeMs);
      writeFileSync(join(dumpDir(), "go"), "");
      const result = await running;
      const post = await runStep(inputs, { state: result.state, env: clock.env });
      assert.equal(post.code, 0, post.stdout + post.stderr);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(result.outputs.outcome, "success", result.stdout);
      assert.deepEqual(await stateLabels(number), ["goal:done"]);
      const [pull] = await pulls();
      assert.ok(pull);
      assert.equal(pull.user?.login, app.botLogin);
      assert.equal(result.outputs["pr-url"], pull.html_url);
      const full = await w.client.rest.pulls.get({ owner, repo, pull_number: pull.number });
      assert.equal(full.data.auto_merge?.merge_method, "squash");
      assert.equal(full.data.auto_merge?.enabled_by?.login, app.botLogin);

      // markers by the bot, which the runner (as the bot) trusted
      const { data: comments } = await w.client.rest.issues.listComments({
        owner,
        repo,
        issue_number: number,
      });
      const markerComments = comments.filter((c) => c.body?.includes("goal-orchestrator:v1"));
      assert.ok(markerComments.some((c) => c.body?.includes('"kind":"run\\u002dresult"')));
      assert.ok(markerComments.every((c) => c.user?.login === app.botLogin));
      assert.equal((await lastResult(number)).outcome, "success");

      // tokens were minted as they neared expiry, never used after it
      assert.ok(w.server.installationTokens(app.appId).length - mintedBefore > 1);
      assert.deepEqual(
        w.server.requests.filter((r) => r.status === 401),
        [],
        "no request went out with an expired token",
      );
      assert.ok(
        w.server.requests.some((r) => r.operationId === "apps/get-repo-installation"),
        "the installation was looked up as the App",
      );
      // the key never reached the log (only the runner's mask command carries it)
      const keyLine = app.pem.split("\n")[1] ?? "";
      assert.ok(keyLine.length > 20);
      for (const line of result.stdout.split("\n")) {
        if (!line.startsWith("::add-mask::")) assert.ok(!line.includes(keyLine), line);
      }
      assert.ok(!dump("env.json").includes(keyLine), "the agent never sees the key");
    },
  );

  it("fails on app-id without app-private-key, either without app-id, or a key that is not PEM", async () => {
    const app = await installApp();
    const number = await claimedGoal("Bad app inputs");
    const notPem = "not-a-key-but-a-secret-value";
    const publicPem = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .publicKey.export({ type: "spki", format: "pem" })
      .toString();
    const cases: [Record<string, string>, RegExp][] = [
      [{ "app-id": String(app.appId) }, /app-private-key: empty, but app-id is set/],
      [{ "app-private-key": app.pem }, /app-id: empty, but app-private-key is set/],
      [
        { "app-id": String(app.appId), "app-private-key": notPem },
        /app-private-key: not a PEM private key/,
      ],
      [
        { "app-id": String(app.appId), "app-private-key": publicPem },
        /app-private-key: not a PEM private key/,
      ],
      [
        { "app-id": "my-app", "app-private-key": app.pem },
        /app-id: "my-app" is not a GitHub App id/,
      ],
    ];
    for (const [inputs, message] of cases) {
      w.server.resetRequests();
      const result = await runStep(inputsFor(number, "commit", { token: "", ...inputs }));
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, message);
      assert.deepEqual(w.server.requests, [], "nothing was asked of GitHub");
      for (const line of result.stdout.split("\n")) {
        if (line.startsWith("::add-mask::")) continue;
        assert.ok(!line.includes(notPem), line);
        assert.ok(!line.includes(app.pem.split("\n")[1] ?? ""), line);
      }
    }
    assert.equal(existsSync(join(w.dir, "work")), false, "nothing was cloned");
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
  });
});

describe("a pull request decides", () => {
  it("the main step dies after enabling auto-merge, before its result: the post step marks the goal done from the PR", async () => {
    const number = await claimedGoal("Merging when killed");
    // The result goes into the claim comment: refuse that edit, as if the process died right there.
    w.server.faults.add({ route: "issues/update-comment", status: 422, times: Infinity });
    const inputs = inputsFor(number, "commit");
    const main = await runStep(inputs);
    assert.notEqual(main.code, 0, "the main step failed recording its result");
    w.server.faults.active.length = 0;
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
    const post = await runStep(inputs, { state: main.state });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    const [pull, ...more] = await pulls();
    assert.equal(more.length, 0, "one pull request");
    const marker = await lastResult(number);
    assert.equal(marker.outcome, "success");
    assert.equal(marker.prUrl, pull?.html_url);
    assert.match(marker.reason, /auto-merge enabled/);
  });

  it("a result written whose label did not land is completed by the post step", async () => {
    const number = await claimedGoal("Label lost");
    w.server.faults.add({ route: "issues/set-labels", status: 422, times: Infinity });
    const inputs = inputsFor(number, "commit");
    const main = await runStep(inputs);
    assert.notEqual(main.code, 0);
    w.server.faults.active.length = 0;
    // The result went first, so it is on record although the label still says running.
    assert.equal((await lastResult(number)).outcome, "success");
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
    const post = await runStep(inputs, { state: main.state });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.match(post.stdout, /completing the move of attempt 1 to goal:done/);
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
  });
});
