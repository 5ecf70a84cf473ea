import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createGoal } from "../../src/flows/create-goal.js";
import { readRepositorySettings } from "../../src/github/settings-file.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { agentCommand, startWorld, type TestWorld } from "../helpers/world.js";

// The repository's .github/goal-orchestrator.yml, read through the contents API by the
// bundled dispatcher and runner: the file over the defaults, the inputs over the file.

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

const queued = async (title: string) =>
  (await createGoal(w.store, { title, body: GOAL_BODY, queue: true, spotCheck: false })).number;

const dispatch = (inputs: Record<string, string> = {}) => w.dispatch(inputs, { runId: 700 });

describe("the settings file", () => {
  it("is read from the default branch, and is null when there is none", async () => {
    assert.equal(await readRepositorySettings(w.client, { owner: "acme", repo: "widgets" }), null);
    await w.settingsFile("max: 3\nmodel: opus\n");
    assert.deepEqual(await readRepositorySettings(w.client, { owner: "acme", repo: "widgets" }), {
      max: 3,
      model: "opus",
    });
  });

  it("sets the dispatcher's max, and an input wins over it", async () => {
    await w.settingsFile("max: 1\n");
    for (const title of ["a", "b", "c"]) await queued(title);
    const fromFile = await dispatch({ "dry-run": "true" });
    assert.equal(fromFile.code, 0, fromFile.stdout);
    assert.equal(fromFile.outputs.claimed, "1", "max: 1 from the file");
    const fromInput = await dispatch({ "dry-run": "true", max: "3" });
    assert.equal(fromInput.outputs.claimed, "3", "the input wins");
  });

  it("names the file and the key when a value is wrong, and claims nothing", async () => {
    await w.settingsFile("max: lots\nmodle: opus\n");
    const waiting = await queued("waiting");
    const result = await dispatch();
    assert.equal(result.code, 1);
    assert.match(result.stdout, /max: .*"lots".*\(in \.github\/goal-orchestrator\.yml\)/);
    assert.match(
      result.stdout,
      /modle: unknown setting in \.github\/goal-orchestrator\.yml\. Did you mean "model"\?/,
    );
    assert.equal((await w.store.getGoal(waiting)).state, "queued");
  });

  it("broken after the claim, ends the run as interrupted with the problem on the goal", async () => {
    const number = await queued("Claimed, then the file broke");
    const claimed = await dispatch();
    assert.equal(claimed.outputs.claimed, "1", claimed.stdout);
    await w.settingsFile("merge-method: fast\n");
    const run = await runActionBundle(
      process.execPath,
      "run",
      w.runnerInputs(number, "commit"),
      w.stepEnv(700),
    );
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /::error::merge-method: .*"fast".*goal-orchestrator\.yml/);
    const goal = await w.store.getGoal(number);
    assert.equal(goal.state, "queued", "not left running until its lease ends");
    const result = goal.markers.findLast((marker) => marker.kind === "run-result");
    assert.ok(result?.kind === "run-result");
    assert.equal(result.outcome, "interrupted");
    assert.equal(result.countsAsAttempt, false);
    assert.match(result.reason, /settings could not be used .*merge-method/);
    assert.ok(!existsSync(join(w.dir, "work", "acme", "widgets", String(number))), "no agent ran");
  });

  it("sets the runner's model and reasoning", async () => {
    await w.settingsFile("model: opus\nreasoning: high\n");
    const number = await queued("Use the file");
    const claimed = await dispatch();
    assert.equal(claimed.outputs.claimed, "1", claimed.stdout);
    const run = await runActionBundle(
      process.execPath,
      "run",
      w.runnerInputs(number, "commit", {
        "agent-command": agentCommand(
          "commit --goal={goal_file} --model={model} --reasoning={reasoning}",
        ),
      }),
      w.stepEnv(700),
    );
    assert.equal(run.outputs.outcome, "success", run.stdout + run.stderr);
    const dump = join(w.dir, "work", "acme", "widgets", String(number), "work", ".git", "dump");
    const argv = JSON.parse(readFileSync(join(dump, "argv.json"), "utf8")) as string[];
    assert.deepEqual(argv.slice(2), ["--model=opus", "--reasoning=high"]);
  });
});
