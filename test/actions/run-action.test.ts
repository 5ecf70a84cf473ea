import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";
import { connectAsApp } from "../../src/github/app-auth.js";
import { GitHubGoalStore } from "../../src/github/goal-store.js";
import { ENABLE_AUTO_MERGE_MUTATION } from "../../src/github/pull-requests.js";
import { readOutputs } from "../helpers/action-runner.js";
import { GOAL_BODY, TEST_PACE_MS } from "../helpers/github-fixture.js";
import { goalHelpers } from "../helpers/goals.js";
import { processesWith } from "../helpers/processes.js";
import { bundleRuntimes } from "../helpers/runtimes.js";
import { agentCommand, startWorld, type TestWorld, type WorldOptions } from "../helpers/world.js";

// The bundled runner action, run as the workflow runs it (main step, then post step), against
// the local GitHub API server, with a bare git repository as origin and test/agents/agent.mjs
// as the agent.

const owner = "acme";
const repo = "widgets";
const exec = promisify(execFile);

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

/** This test's world, started again with other repository settings. */
async function restart(options: WorldOptions) {
  await w.close();
  w = await startWorld(options);
}

const { claimedGoal, stateLabels, lastResult, pulls } = goalHelpers(() => w);

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

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
 * the post step. `killWhen` SIGKILLs it (and, through the returned pid, the agent) once true.
 */
async function runStep(
  inputs: Record<string, string>,
  options: {
    state?: Record<string, string>;
    node?: string;
    killWhen?: () => boolean;
    signalWhen?: () => boolean;
    /** Variables to set (or override) in the step's environment. */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "goal-step-"));
  const files = {
    output: join(dir, "output"),
    summary: join(dir, "summary"),
    state: join(dir, "state"),
  };
  for (const file of Object.values(files)) writeFileSync(file, "");
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  try {
    const child = spawn(options.node ?? process.execPath, [resolve("dist/run/index.js")], {
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    let timer: NodeJS.Timeout | undefined;
    const { killWhen, signalWhen } = options;
    if (killWhen || signalWhen) {
      timer = setInterval(() => {
        if (killWhen?.()) child.kill("SIGKILL");
        if (signalWhen?.()) child.kill("SIGTERM");
      }, 50);
    }
    const [code, signal] = await new Promise<[number | null, string | null]>((done) =>
      child.on("close", (c, s) => done([c, s])),
    );
    if (timer) clearInterval(timer);
    return {
      code,
      signal,
      stdout,
      stderr,
      outputs: readOutputs(readFileSync(files.output, "utf8")),
      state: readOutputs(readFileSync(files.state, "utf8")),
      summary: readFileSync(files.summary, "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Main step, then (as GitHub does) the post step with the main step's state. */
async function runAction(inputs: Record<string, string>) {
  const main = await runStep(inputs);
  const post = await runStep(inputs, { state: main.state });
  assert.equal(post.code, 0, post.stdout + post.stderr);
  return main;
}

async function filesOn(ref: string): Promise<string[]> {
  const { stdout } = await exec("git", [
    "--git-dir",
    w.bare.gitDir,
    "ls-tree",
    "-r",
    "--name-only",
    ref,
  ]);
  return stdout.split("\n").filter(Boolean);
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

/**
 * The runner's test clock (GOAL_ORCHESTRATOR_TEST_CLOCK, src/actions/test-clock.ts): with `env`
 * in its environment, the agent's time limits go by `advance` alone, and its App token cache
 * sees real time plus what `advance` added (move the server's `state.clock` alike).
 */
function testClock() {
  const file = join(w.dir, `clock-${Math.random().toString(36).slice(2)}`);
  let moved = 0;
  writeFileSync(file, "0");
  return {
    env: { GOAL_ORCHESTRATOR_TEST_CLOCK: file },
    advance(ms: number) {
      moved += ms;
      writeFileSync(file, String(moved));
    },
  };
}

describe("success", () => {
  it("opens a PR that closes the goal, requests auto-merge and records stats", async () => {
    const number = await claimedGoal("Add CSV export");
    // A clone of this goal that a killed job left half done, and another goal's.
    const leftover = join(w.dir, "work", owner, repo, `.${number}-deadbeef.cloning`);
    const otherGoals = join(w.dir, "work", owner, repo, `.${number + 1}-deadbeef.cloning`);
    mkdirSync(join(leftover, ".git"), { recursive: true });
    mkdirSync(otherGoals, { recursive: true });
    const result = await runAction(inputsFor(number, "commit"));
    assert.equal(existsSync(leftover), false, "this goal's leftover clone is removed");
    assert.equal(existsSync(otherGoals), true, "another goal's is not this job's to remove");
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.outputs.outcome, "success");
    assert.deepEqual(await stateLabels(number), ["goal:done"]);

    const [pull] = await pulls();
    assert.ok(pull);
    assert.equal(result.outputs["pr-url"], pull.html_url);
    assert.equal(pull.head.ref, `goal/${number}-add-csv-export`);
    assert.equal(pull.base.ref, "main");
    assert.equal(pull.title, "Add CSV export");
    assert.match(pull.body ?? "", new RegExp(`^Closes #${number}\\n`));
    assert.match(pull.body ?? "", /Export the widget list as CSV/);
    assert.match(pull.body ?? "", /\| cost \| \$0\.42 \|/);
    const full = await w.client.rest.pulls.get({ owner, repo, pull_number: pull.number });
    assert.equal(full.data.auto_merge?.merge_method, "squash");

    const marker = await lastResult(number);
    assert.equal(marker.outcome, "success");
    assert.equal(marker.countsAsAttempt, true);
    assert.equal(marker.prUrl, pull.html_url);
    const stats = marker.stats as Record<string, unknown>;
    assert.equal(stats.goal, number);
    assert.equal(stats.attempt, 1);
    assert.equal(stats.cost_usd, 0.42);
    assert.equal(stats.iterations, 4);
    assert.deepEqual(stats.tokens, {
      input: 1200,
      output: 340,
      cache_read: 9000,
      cache_create: null,
    });
    assert.equal(stats.lines_added, 1);
    assert.equal(stats.files_changed, 1);
    assert.equal(stats.model, "sonnet");
    assert.equal(typeof stats.wall_seconds, "number");
    assert.deepEqual(JSON.parse(result.outputs.stats ?? ""), stats);

    // The goal file reached the agent and was never committed.
    assert.match(dump("goal.md"), /# Goal #\d+: Add CSV export/);
    assert.ok(!(await filesOn(pull.head.ref)).includes(".goal.md"));
    assert.deepEqual(await filesOn(pull.head.ref), ["README.md", "work.txt"]);
    // Argv placeholders and contract variables.
    const argv = JSON.parse(dump("argv.json")) as string[];
    assert.equal(argv[1], `--goal=${join(workspaceOf(number), "run", "goal", "goal.md")}`);
    assert.equal(existsSync(join(workspaceOf(number), "run")), false, "the run's files are gone");
    assert.equal(argv[2], "--model=sonnet");
    const env = JSON.parse(dump("env.json")) as Record<string, string>;
    assert.equal(env.GOAL_NUMBER, String(number));
    assert.equal(env.GOAL_REPOSITORY, "acme/widgets");
    assert.equal(env.GOAL_ATTEMPT, "1");
    assert.equal(env.RALPH_DURATION_SECONDS, "300");
    assert.equal(env.RALPH_REASONING, "med");

    // Log file, job log, stats.jsonl and the job summary.
    const log = readFileSync(join(w.dir, "logs", `acme-widgets-${number}-1.log`), "utf8");
    assert.match(log, /^agent: commit for goal \d+ attempt 1$/m);
    assert.match(result.stdout, /agent: commit for goal/);
    const lines = readFileSync(join(w.dir, "state", "goal-orchestrator", "stats.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0] ?? "").outcome, "success");
    assert.equal(JSON.parse(lines[0] ?? "").goal_state, "done", "where the run left the goal");
    assert.match(result.summary, /attempt 1: success/);
  });

  it("merges directly when GitHub can merge now (no protection on the base)", async () => {
    await w.server.close();
    rmSync(w.bare.root, { recursive: true, force: true });
    await restart({ protectedBranches: [] });
    const number = await claimedGoal("Merge now");
    const result = await runAction(inputsFor(number, "commit", { "merge-method": "merge" }));
    assert.equal(result.outputs.outcome, "success", result.stdout);
    const [pull] = await pulls();
    assert.ok(pull?.merged_at, "merged");
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    assert.match((await lastResult(number)).reason, /merged/);
  });

  it("commits what the agent left uncommitted, as the runner's bot", async () => {
    const number = await claimedGoal("Leave it");
    const result = await runAction(inputsFor(number, "leave"));
    assert.equal(result.outputs.outcome, "success", result.stdout);
    const [pull] = await pulls();
    assert.ok(pull);
    const { stdout } = await exec("git", [
      "--git-dir",
      w.bare.gitDir,
      "log",
      "-1",
      "--format=%an|%s",
      pull.head.ref,
    ]);
    assert.match(stdout, /^github-actions\[bot\]\|goal #\d+: changes the agent left uncommitted/);
    assert.deepEqual(await filesOn(pull.head.ref), ["README.md", "work.txt"]);
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

  it("passes RUNNER_TRACKING_ID on, so the runner's orphan cleanup finds the agent", async () => {
    const number = await claimedGoal("Tracked");
    await runAction(inputsFor(number, "commit"));
    const env = JSON.parse(dump("env.json")) as Record<string, string>;
    assert.equal(env.RUNNER_TRACKING_ID, "github_test_tracking");
  });

  it("a goal's Model: and Reasoning: lines win over the inputs", async () => {
    const number = await claimedGoal("Model", {
      body: `${GOAL_BODY}\nModel: opus Reasoning: high\n`,
    });
    await runAction(inputsFor(number, "commit", { model: "haiku", reasoning: "low" }));
    const env = JSON.parse(dump("env.json")) as Record<string, string>;
    assert.equal(env.RALPH_MODEL, "opus");
    assert.equal(env.RALPH_REASONING, "high");
  });
});

describe("failure", () => {
  it("re-queues with the reason and the log tail", async () => {
    const number = await claimedGoal("Fails");
    const result = await runAction(inputsFor(number, "fail"));
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.outputs.outcome, "failure");
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const marker = await lastResult(number);
    assert.match(marker.reason, /exited with status 1/);
    assert.match(marker.logTail ?? "", /step 5 went wrong/);
    assert.equal(marker.countsAsAttempt, true);
    assert.deepEqual(await pulls(), []);
    // The agent's output could not issue workflow commands: every line of it has a prefix.
    assert.match(result.stdout, /^│ ::error::an agent must not/m);
    assert.doesNotMatch(result.stdout, /^::error::an agent/m);
    assert.doesNotMatch(result.stdout, /stop-commands/);
  });

  it("makes the goal stuck after its last attempt, mentioning the reviewers", async () => {
    const number = await claimedGoal("Fails again", { earlierFailures: 2 });
    const result = await runAction(
      inputsFor(number, "fail", { attempt: "3", "max-attempts": "3", reviewers: "octocat" }),
    );
    assert.equal(result.outputs.outcome, "failure", result.stdout);
    assert.deepEqual(await stateLabels(number), ["goal:stuck"]);
    const comments = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    assert.match(comments.data.at(-1)?.body ?? "", /the last of 3.*cc @octocat/s);
    // The goal file told the agent about the earlier failures.
    assert.match(
      dump("goal.md"),
      /Attempt 1 failed[\s\S]*earlier failure 1[\s\S]*trace of attempt 1/,
    );
  });

  it("a push that origin refuses, or a PR GitHub will not open, fails the attempt", async () => {
    const hook = join(w.bare.gitDir, "hooks", "pre-receive");
    writeFileSync(hook, "#!/bin/sh\necho 'protected by policy' >&2\nexit 1\n", { mode: 0o755 });
    const refused = await claimedGoal("Refused push");
    const pushResult = await runAction(inputsFor(refused, "commit"));
    assert.equal(pushResult.outputs.outcome, "failure", pushResult.stdout);
    assert.match((await lastResult(refused)).reason, /push failed: .*protected by policy/s);
    assert.deepEqual(await stateLabels(refused), ["goal:queued"]);
    rmSync(hook);

    w.server.faults.add({ route: "pulls/create", status: 403, times: 1 });
    const noPull = await claimedGoal("No PR");
    const pullResult = await runAction(inputsFor(noPull, "commit"));
    assert.equal(pullResult.outputs.outcome, "failure", pullResult.stdout);
    assert.match(
      (await lastResult(noPull)).reason,
      /opening the pull request failed: .*; the work is on branch goal\/\d+-no-pr/,
    );
    assert.deepEqual(await stateLabels(noPull), ["goal:queued"]);
  });

  it("counts an exit 0 without any change as a failure", async () => {
    const number = await claimedGoal("Nothing");
    const result = await runAction(inputsFor(number, "nothing"));
    assert.equal(result.outputs.outcome, "failure");
    assert.match((await lastResult(number)).reason, /no changes/);
  });
});

describe("spot-check", () => {
  it("exit 3 opens a PR without auto-merge and asks the reviewers", async () => {
    const number = await claimedGoal("Review me");
    const result = await runAction(inputsFor(number, "review", { reviewers: "alice,bob" }));
    assert.equal(result.outputs.outcome, "spot-check", result.stdout);
    assert.deepEqual(await stateLabels(number), ["goal:spot-check"]);
    const [pull] = await pulls();
    assert.ok(pull);
    const full = await w.client.rest.pulls.get({ owner, repo, pull_number: pull.number });
    assert.equal(full.data.auto_merge, null);
    assert.match(full.data.body ?? "", /Needs human review/);
    const comments = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    assert.match(comments.data.at(-1)?.body ?? "", /cc @alice @bob/);
  });

  it("the spot-check label or a path matching spot-check-paths needs a review too", async () => {
    const flagged = await claimedGoal("Flagged", { spotCheck: true });
    await runAction(inputsFor(flagged, "commit"));
    assert.match((await lastResult(flagged)).reason, /spot-check label/);
    const path = await claimedGoal("Path");
    await runAction(inputsFor(path, "commit", { "spot-check-paths": "docs/**, *.txt" }));
    assert.match((await lastResult(path)).reason, /spot-check-paths: work\.txt/);
    assert.deepEqual(await stateLabels(path), ["goal:spot-check"]);
  });

  it("a repository that does not allow auto-merge ends in spot-check, saying so", async () => {
    await w.server.close();
    rmSync(w.bare.root, { recursive: true, force: true });
    await restart({ allowAutoMerge: false });
    const number = await claimedGoal("No auto-merge");
    const result = await runAction(inputsFor(number, "commit"));
    assert.equal(result.outputs.outcome, "spot-check");
    assert.match((await lastResult(number)).reason, /does not allow auto-merge/);
  });
});

describe("isolation and resumption", () => {
  it("the agent finds no token in its environment nor in .git/config", async () => {
    const number = await claimedGoal("Snoop");
    await runAction(inputsFor(number, "commit"));
    const env = dump("env.json");
    assert.ok(!env.includes(w.token), "no token in the agent's environment");
    const parsed = JSON.parse(env) as Record<string, string>;
    for (const name of [
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "INPUT_TOKEN",
      "SECRET_THING",
      "GITHUB_STATE",
    ]) {
      assert.equal(parsed[name], undefined, name);
    }
    assert.equal(parsed.ALLOWED_THING, "pass-me");
    assert.ok(!dump("git-config.txt").includes(w.token));
  });

  it("resumes from the branch an earlier attempt pushed, reusing its open PR", async () => {
    const number = await claimedGoal("Resume me", { earlierFailures: 1 });
    await w.bare.commitOnBranch(`goal/${number}-resume-me`, "earlier.txt", "from attempt 1\n");
    const earlier = await w.client.rest.pulls.create({
      owner,
      repo,
      head: `goal/${number}-resume-me`,
      base: "main",
      title: "Resume me",
    });
    const result = await runAction(inputsFor(number, "commit", { attempt: "2" }));
    assert.equal(result.outputs.outcome, "success", result.stdout);
    assert.equal(result.outputs["pr-url"], earlier.data.html_url);
    assert.equal((await pulls()).length, 1);
    assert.deepEqual(await filesOn(`goal/${number}-resume-me`), [
      "README.md",
      "earlier.txt",
      "work.txt",
    ]);
    assert.match(result.stdout, /resuming from goal\/\d+-resume-me/);
  });

  it("a claim for another attempt, or a goal not running, is left alone", async () => {
    const number = await claimedGoal("Not mine");
    const before = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    const result = await runAction(inputsFor(number, "commit", { attempt: "2" }));
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.outputs.outcome, "skipped");
    assert.match(result.stdout, /standing claim is for attempt 1, not 2/);
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
    const after = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    assert.equal(after.data.length, before.data.length);
    assert.ok(!existsSync(join(w.dir, "work", owner, repo, String(number))), "the agent never ran");
    // the clone started during the claim check was deleted, and no workspace was made
    assert.deepEqual(readdirSync(join(w.dir, "work", owner, repo)), []);
  });

  it("clones from git-mirror, then from origin what the mirror lacks", async () => {
    const mirror = join(w.dir, "mirror.git");
    await exec("git", ["clone", "--quiet", "--mirror", w.bare.gitDir, mirror]);
    const newest = await w.bare.commitOnBranch("main", "late.txt", "after the mirror\n");
    const number = await claimedGoal("Mirrored");
    const result = await runAction(inputsFor(number, "commit", { "git-mirror": mirror }));
    assert.equal(result.outputs.outcome, "success", result.stdout);
    assert.doesNotMatch(result.stdout, /::warning::/);
    const workspace = join(workspaceOf(number), "trusted");
    assert.deepEqual(readdirSync(join(w.dir, "work", owner, repo)), [String(number)]);
    assert.deepEqual(await filesOn(`goal/${number}-mirrored`), [
      "README.md",
      "late.txt",
      "work.txt",
    ]);
    const git = (...args: string[]) => exec("git", ["-C", workspace, ...args]);
    assert.equal((await git("rev-parse", "origin/main")).stdout.trim(), newest);
    assert.equal((await git("config", "--get", "remote.origin.url")).stdout.trim(), w.bare.gitDir);
    assert.equal(existsSync(join(workspace, ".git/objects/info/alternates")), false);
    assert.ok(!dump("git-config.txt").includes(w.token));
    // the workspace does not depend on the mirror
    rmSync(mirror, { recursive: true });
    await git("fsck", "--full", "--no-progress");
  });

  it("a git-mirror that does not exist is a warning, and origin is cloned", async () => {
    const number = await claimedGoal("No mirror");
    const mirror = join(w.dir, "missing-mirror.git");
    const result = await runAction(inputsFor(number, "commit", { "git-mirror": mirror }));
    assert.equal(result.outputs.outcome, "success", result.stdout);
    assert.match(
      result.stdout,
      /::warning::The git mirror .*missing-mirror\.git does not exist; cloning from origin instead/,
    );
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
    assert.ok((await filesOn(`goal/${number}-cancelled`)).includes("work.txt"));
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
      const clock = testClock();
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
      const files = await filesOn(`goal/${number}-locked`);
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

  it("the sandbox hides the runner's processes, files and environment from the agent", async () => {
    const number = await claimedGoal("Look around");
    const result = await runAction(inputsFor(number, "commit"));
    assert.equal(result.outputs.outcome, "success", result.stdout);
    const env = JSON.parse(dump("env.json")) as Record<string, string>;
    assert.equal(env.HOME, join(workspaceOf(number), "run", "home"));
    assert.equal(env.TMPDIR, "/tmp");
    assert.equal(env.GITHUB_TOKEN, undefined);
    // The agent saw itself as one of very few processes (bwrap's init, node, maybe git).
    assert.ok(Number(dump("pid")) < 10, `pid in the sandbox: ${dump("pid")}`);
  });
});

describe("agent-network", () => {
  it("allow: lets the agent reach listed hosts through the proxy, and nothing else", async () => {
    const hits: string[] = [];
    const serve = (name: string) =>
      new Promise<Server>((done) => {
        const server = createServer((_request, res) => {
          hits.push(name);
          res.end(name);
        });
        server.listen(0, "127.0.0.1", () => done(server));
      });
    const [allowed, denied] = await Promise.all([serve("allowed"), serve("denied")]);
    const port = (server: Server) => (server.address() as AddressInfo).port;
    const urls = [allowed, denied].map((server) => `http://localhost:${port(server)}/`);
    try {
      const number = await claimedGoal("Networked");
      const result = await runAction(
        inputsFor(number, `net:${urls.join(",")}`, {
          "agent-network": `allow:localhost:${port(allowed)}`,
        }),
      );
      assert.equal(result.outputs.outcome, "success", result.stdout);
      const net = JSON.parse(dump("net.json")) as Record<
        string,
        { proxied: { status?: number; body?: string }; direct: { error?: string } }
      >;
      assert.deepEqual(net[urls[0] as string]?.proxied, { status: 200, body: "allowed" });
      assert.equal(net[urls[1] as string]?.proxied.status, 403);
      for (const url of urls) assert.ok(net[url]?.direct.error, `no direct way to ${url}`);
      assert.deepEqual(hits, ["allowed"], "the denied host was never contacted");
      assert.match(result.stdout, /blocked the agent's connection to localhost:\d+/);
    } finally {
      allowed.close();
      denied.close();
    }
  });

  it("none or allow: needs the sandbox to be enforced", async () => {
    const number = await claimedGoal("Unenforceable");
    const result = await runStep(
      inputsFor(number, "commit", { isolation: "none", "agent-network": "none" }),
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /agent-network: "none" is only enforced in the sandbox/);
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
});

describe("GitHub App authentication", () => {
  /** An App installed on the repository; the test's client and store now act as its bot. */
  async function installApp() {
    const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const { appId, botLogin } = w.server.addApp({
      slug: "goal-runner",
      publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    });
    w.server.installApp(appId, owner, repo);
    const pem = keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    // The dispatcher claims as the App too (its claims are the ones the runner trusts).
    const app = await connectAsApp(
      { appId: String(appId), privateKey: pem },
      { owner, repo },
      {
        apiUrl: w.server.url,
        paceMs: TEST_PACE_MS,
        warn: () => {},
      },
    );
    w.client = app.client;
    w.store = await GitHubGoalStore.connect({
      client: app.client,
      repo: { owner, repo },
      paceMs: TEST_PACE_MS,
    });
    return { appId, botLogin, pem };
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
      const clock = testClock();
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

  it("a goal whose pull request already has auto-merge enabled is not run again", async () => {
    const number = await claimedGoal("Already merging", { earlierFailures: 1 });
    const branch = `goal/${number}-already-merging`;
    await w.bare.commitOnBranch(branch, "earlier.txt", "attempt 1's work\n");
    const { data: earlier } = await w.client.rest.pulls.create({
      owner,
      repo,
      head: branch,
      base: "main",
      title: "Already merging",
    });
    await w.client.graphql(ENABLE_AUTO_MERGE_MUTATION, {
      pullRequestId: earlier.node_id,
      mergeMethod: "SQUASH",
    });
    const result = await runAction(inputsFor(number, "commit", { attempt: "2" }));
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /already has auto-merge enabled/);
    assert.equal(dumped("pid"), false, "the agent never ran");
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    const marker = await lastResult(number);
    assert.equal(marker.countsAsAttempt, false);
    assert.equal(marker.prUrl, earlier.html_url);
    assert.deepEqual(await filesOn(branch), ["README.md", "earlier.txt"]);
  });
});
