import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LABELS } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import type { GitHubClient } from "../../src/github/client.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import { readRepositorySettings } from "../../src/github/settings-file.js";
import {
  createBareRepository,
  type GitHubServer,
  startGitHubServer,
} from "../../tools/github-server/index.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { connectAs, GOAL_BODY, TEST_PACE_MS } from "../helpers/github-fixture.js";

// The repository's .github/goal-orchestrator.yml, read through the contents API by the
// bundled dispatcher and runner: the file over the defaults, the inputs over the file.

const AGENT = resolve("test/agents/agent.mjs");
let server: GitHubServer;
let bare: Awaited<ReturnType<typeof createBareRepository>>;
let client: GitHubClient;
let store: GitHubGoalStore;
let token: string;
let dir: string;

beforeEach(async () => {
  server = await startGitHubServer();
  bare = await createBareRepository("main");
  server.createRepository({
    owner: "acme",
    name: "widgets",
    gitDir: bare.gitDir,
    allowAutoMerge: true,
    defaultPermission: "read",
  });
  server.setPermission("acme", "widgets", "maintainer", "write");
  ({ client, store, token } = await connectAs(
    server,
    { owner: "acme", repo: "widgets" },
    "maintainer",
  ));
  await store.ensureLabels(LABELS);
  dir = mkdtempSync(join(tmpdir(), "goal-settings-file-"));
});
afterEach(async () => {
  try {
    server.assertNoViolations();
  } finally {
    await server.close();
    rmSync(bare.root, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

const settingsFile = (text: string) =>
  bare.commitOnBranch("main", ".github/goal-orchestrator.yml", text);

function env(runId = "700"): NodeJS.ProcessEnv {
  server.addWorkflowRun("acme", "widgets", { id: Number(runId), status: "in_progress" });
  return {
    HOME: join(dir, "home"),
    XDG_STATE_HOME: join(dir, "state"),
    GITHUB_API_URL: server.url,
    GITHUB_REPOSITORY: "acme/widgets",
    GITHUB_RUN_ID: runId,
    GOAL_ORCHESTRATOR_PACE_MS: String(TEST_PACE_MS),
  };
}

const queued = async (title: string) =>
  (await createGoal(store, { title, body: GOAL_BODY, queue: true, spotCheck: false })).number;

function dispatch(inputs: Record<string, string> = {}) {
  return runActionBundle(process.execPath, "dispatch", { token, ...inputs }, env());
}

describe("the settings file", () => {
  it("is read from the default branch, and is null when there is none", async () => {
    assert.equal(await readRepositorySettings(client, { owner: "acme", repo: "widgets" }), null);
    await settingsFile("max: 3\nmodel: opus\n");
    assert.deepEqual(await readRepositorySettings(client, { owner: "acme", repo: "widgets" }), {
      max: 3,
      model: "opus",
    });
  });

  it("sets the dispatcher's max, and an input wins over it", async () => {
    await settingsFile("max: 1\n");
    for (const title of ["a", "b", "c"]) await queued(title);
    const fromFile = await dispatch({ "dry-run": "true" });
    assert.equal(fromFile.code, 0, fromFile.stdout);
    assert.equal(fromFile.outputs.claimed, "1", "max: 1 from the file");
    const fromInput = await dispatch({ "dry-run": "true", max: "3" });
    assert.equal(fromInput.outputs.claimed, "3", "the input wins");
  });

  it("names the file and the key when a value is wrong, and claims nothing", async () => {
    await settingsFile("max: lots\nmodle: opus\n");
    const waiting = await queued("waiting");
    const result = await dispatch();
    assert.equal(result.code, 1);
    assert.match(result.stdout, /max: .*"lots".*\(in \.github\/goal-orchestrator\.yml\)/);
    assert.match(
      result.stdout,
      /modle: unknown setting in \.github\/goal-orchestrator\.yml\. Did you mean "model"\?/,
    );
    assert.equal((await store.getGoal(waiting)).state, "queued");
  });

  it("broken after the claim, ends the run as interrupted with the problem on the goal", async () => {
    const number = await queued("Claimed, then the file broke");
    const claimed = await dispatch();
    assert.equal(claimed.outputs.claimed, "1", claimed.stdout);
    await settingsFile("merge-method: fast\n");
    const run = await runActionBundle(
      process.execPath,
      "run",
      {
        token,
        goal: String(number),
        attempt: "1",
        "agent-command": `"${process.execPath}" "${AGENT}" commit --goal={goal_file}`,
        "agent-read-paths": dirname(AGENT),
        "clone-url": bare.gitDir,
        "workspace-root": join(dir, "work"),
        "log-dir": join(dir, "logs"),
      },
      env(),
    );
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /::error::merge-method: .*"fast".*goal-orchestrator\.yml/);
    const goal = await store.getGoal(number);
    assert.equal(goal.state, "queued", "not left running until its lease ends");
    const result = goal.markers.findLast((marker) => marker.kind === "run-result");
    assert.ok(result?.kind === "run-result");
    assert.equal(result.outcome, "interrupted");
    assert.equal(result.countsAsAttempt, false);
    assert.match(result.reason, /settings could not be used .*merge-method/);
    assert.ok(!existsSync(join(dir, "work", "acme", "widgets", String(number))), "no agent ran");
  });

  it("sets the runner's model and reasoning", async () => {
    await settingsFile("model: opus\nreasoning: high\n");
    const number = await queued("Use the file");
    const claimed = await dispatch();
    assert.equal(claimed.outputs.claimed, "1", claimed.stdout);
    const run = await runActionBundle(
      process.execPath,
      "run",
      {
        token,
        goal: String(number),
        attempt: "1",
        "agent-command": `"${process.execPath}" "${AGENT}" commit --goal={goal_file} --model={model} --reasoning={reasoning}`,
        "agent-read-paths": dirname(AGENT),
        "clone-url": bare.gitDir,
        "workspace-root": join(dir, "work"),
        "log-dir": join(dir, "logs"),
        duration: "5m",
      },
      env(),
    );
    assert.equal(run.outputs.outcome, "success", run.stdout + run.stderr);
    const dump = join(dir, "work", "acme", "widgets", String(number), "work", ".git", "dump");
    const argv = JSON.parse(readFileSync(join(dump, "argv.json"), "utf8")) as string[];
    assert.deepEqual(argv.slice(2), ["--model=opus", "--reasoning=high"]);
  });
});
