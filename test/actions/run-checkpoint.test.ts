import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createGoal } from "../../src/flows/create-goal.js";
import { readOutputs } from "../helpers/action-runner.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { goalHelpers, hoursFromNow } from "../helpers/goals.js";
import { testClockFile } from "../helpers/test-clock-file.js";
import { vettedText } from "../helpers/vetted-text.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// Work survives the runner (the bundled runner action as a real process, as in
// run-action.test.ts): checkpoints push the agent's commits while it works, and the next
// attempt on the same machine salvages what a killed one left in its workspace.

const owner = "acme";
const repo = "widgets";

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

const { stateLabels, lastResult } = goalHelpers(() => w);

/** Claims `attempt` of the goal as the dispatcher does and moves it to goal:running. */
async function claim(number: number, attempt: number) {
  await w.store.recordMarker(number, "claim", {
    kind: "claim",
    attempt,
    claimId: `claim${attempt}`,
    claimedBy: { runId: "4242" },
    claimedAt: new Date().toISOString(),
    leaseExpiresAt: hoursFromNow(2),
    ...(await vettedText(w.store, number)),
  });
  await w.store.transition(number, { to: "running", expectedFrom: "queued", reason: "claimed" });
}

async function claimedGoal(title: string) {
  const { number } = await createGoal(w.store, {
    title,
    body: GOAL_BODY,
    queue: true,
    spotCheck: false,
  });
  await claim(number, 1);
  return number;
}

const inputsFor = (goal: number, mode: string, inputs: Record<string, string> = {}) =>
  w.runnerInputs(goal, mode, inputs);

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
}

/**
 * Runs dist/run/index.js as one step runs it; `state` makes it the post step. `killWhen`
 * (given the step's output so far) SIGKILLs it once true, as a lost VM or `kill -9` would.
 */
async function runStep(
  inputs: Record<string, string>,
  options: {
    state?: Record<string, string>;
    killWhen?: (stdout: string) => boolean;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "goal-step-"));
  const files = { output: join(dir, "output"), state: join(dir, "state") };
  for (const file of Object.values(files)) writeFileSync(file, "");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...w.stepEnv(4242),
    ...options.env,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  try {
    const child = spawn(process.execPath, [resolve("dist/run/index.js")], { env });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    // A safety net only: a kill that never comes fails the test on what it asserts.
    const giveUp = Date.now() + 120_000;
    const timer = options.killWhen
      ? setInterval(() => {
          if (options.killWhen?.(stdout) || Date.now() > giveUp) child.kill("SIGKILL");
        }, 50)
      : undefined;
    const [code, signal] = await new Promise<[number | null, string | null]>((done) =>
      child.on("close", (c, s) => done([c, s])),
    );
    clearInterval(timer);
    return {
      code,
      signal,
      stdout,
      outputs: readOutputs(readFileSync(files.output, "utf8")),
      state: readOutputs(readFileSync(files.state, "utf8")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves once `condition` holds; the test's own timeout is the safety net. */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((done) => setTimeout(done, 20));
}

const workTree = (number: number) => join(w.dir, "work", owner, repo, String(number), "work");

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** The commit origin's branch points at, or null. */
function onOrigin(branch: string): string | null {
  try {
    return git(w.bare.gitDir, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}`);
  } catch {
    return null;
  }
}

/** The agent's HEAD, read with git from outside (the test is not the runner). */
const agentHead = (number: number) => git(workTree(number), "rev-parse", "HEAD");

/** The post step, as GitHub runs it after the main step died: the goal goes back to the queue. */
async function postStep(inputs: Record<string, string>, main: Run) {
  const post = await runStep(inputs, { state: main.state });
  assert.equal(post.code, 0, post.stdout);
  assert.deepEqual(await stateLabels(Number(inputs.goal)), ["goal:queued"]);
  assert.equal((await lastResult(Number(inputs.goal))).outcome, "interrupted");
}

describe("work survives the runner", () => {
  it("a runner killed while its agent works leaves the agent's commits on the goal branch", async () => {
    const number = await claimedGoal("Checkpointed");
    const branch = `goal/${number}-checkpointed`;
    // The agent commits, then works on (hangs) until the runner is killed. Its checkpoint comes
    // when the test moves the runner's clock a minute, after the commit: not a moment before.
    const clock = testClockFile(w.dir);
    const inputs = inputsFor(number, "hang", { "checkpoint-every": "1m" });
    const running = runStep(inputs, {
      killWhen: (out) => /checkpoint: /.test(out),
      env: clock.env,
    });
    await eventually(() => existsSync(join(workTree(number), ".git", "dump", "working")));
    assert.equal(onOrigin(branch), null, "no checkpoint before its minute");
    clock.advance(60_000);
    const main = await running;
    assert.equal(main.signal, "SIGKILL", main.stdout);
    assert.match(
      main.stdout,
      new RegExp(`checkpoint: the agent's commits up to \\w+ are on ${branch}`),
    );
    assert.equal(
      onOrigin(branch),
      agentHead(number),
      "the agent's commit is on origin's goal branch",
    );
    assert.ok(
      git(w.bare.gitDir, "ls-tree", "--name-only", branch).split("\n").includes("work.txt"),
    );
    assert.doesNotMatch(main.stdout, /::warning::.*checkpoint/);
    await postStep(inputs, main);
  });

  it("the next attempt on the same machine salvages what a killed one committed, and resumes from it", async () => {
    const number = await claimedGoal("Salvaged");
    const branch = `goal/${number}-salvaged`;
    const inputs = inputsFor(number, "hang", { "checkpoint-every": "off" });
    const working = join(workTree(number), ".git", "dump", "working");
    const main = await runStep(inputs, { killWhen: () => existsSync(working) });
    assert.equal(main.signal, "SIGKILL", main.stdout);
    assert.equal(onOrigin(branch), null, "killed before any push");
    const lost = agentHead(number);
    await postStep(inputs, main);

    await claim(number, 2);
    const next = inputsFor(number, "nothing", { attempt: "2" });
    const second = await runStep(next);
    assert.equal(second.code, 0, second.stdout);
    assert.match(
      second.stdout,
      new RegExp(
        `salvaged the commits the previous attempt left in its workspace \\(up to ${lost.slice(0, 8)}, 1 beyond main\\) onto ${branch}`,
      ),
    );
    assert.match(second.stdout, new RegExp(`resuming from ${branch}`));
    assert.equal(second.outputs.outcome, "success", second.stdout);
    assert.equal(onOrigin(branch), lost, "the branch holds the salvaged commit");
    assert.equal(agentHead(number), lost, "the second attempt started from it");
    const post = await runStep(next, { state: second.state });
    assert.equal(post.code, 0, post.stdout);
  });

  it("refuses a checkpoint-every that is not a duration nor off", async () => {
    const number = await claimedGoal("Bad input");
    const result = await runStep(inputsFor(number, "commit", { "checkpoint-every": "often" }));
    assert.equal(result.code, 1);
    assert.match(result.stdout, /checkpoint-every: "often" is not a duration/);
  });
});
