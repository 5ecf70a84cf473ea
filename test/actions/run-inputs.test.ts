import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { readRunInputs } from "../../src/actions/run-inputs.js";
import { UserError } from "../../src/core/errors.js";

// The runner action's inputs as @actions/core reads them (INPUT_<NAME> variables) mapped to the
// settings of one attempt. The bundle test passes only a few inputs; this one passes every
// input with a value other than its default, so a mapping that drops or swaps one fails here.

let home: string;

function clearInputs() {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith("INPUT_")) delete process.env[name];
  }
}

beforeEach(() => {
  clearInputs();
  home = mkdtempSync(join(tmpdir(), "run-inputs-"));
});
afterEach(() => {
  clearInputs();
  rmSync(home, { recursive: true, force: true });
});

/** Sets the action's inputs as the runner does: INPUT_ and the name in capitals. */
function withInputs(inputs: Record<string, string>) {
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value;
  }
}

const REQUIRED = { token: "ghs_example", repository: "acme/widgets", goal: "12", attempt: "2" };

describe("readRunInputs", () => {
  it("maps every input to its setting", () => {
    withInputs({
      ...REQUIRED,
      model: "opus",
      reasoning: "high",
      duration: "90m",
      "idle-timeout": "10m",
      "agent-command": "my-agent --goal goal.md",
      "max-attempts": "5",
      "merge-method": "rebase",
      "spot-check-paths": "migrations/**, /.github/",
      "spot-check-max-lines": "400",
      reviewers: "maya, olly",
      resume: "false",
      "wake-up": "true",
      "checkpoint-every": "2m",
      "agent-env": "OPENAI_API_KEY, EXTRA_FLAG",
      base: "release",
      "workspace-root": "~/work",
      "log-dir": "/var/log/goals",
      "git-mirror": "~/mirrors/widgets.git",
      isolation: "sandbox",
      "agent-read-paths": home,
      "agent-network": "allow:api.openai.com",
      "clone-url": "https://git.example.com/acme/widgets.git",
    });
    const inputs = readRunInputs({ HOME: home });
    assert.deepEqual(inputs.repo, { owner: "acme", repo: "widgets" });
    assert.deepEqual(inputs.auth, { kind: "token", token: "ghs_example" });
    assert.equal(inputs.goal, 12);
    assert.equal(inputs.attempt, 2);
    assert.equal(inputs.model, "opus");
    assert.equal(inputs.reasoning, "high");
    assert.equal(inputs.durationSeconds, 90 * 60);
    assert.equal(inputs.idleTimeoutSeconds, 10 * 60);
    assert.deepEqual(inputs.agentCommand, ["my-agent", "--goal", "goal.md"]);
    assert.equal(inputs.maxAttempts, 5);
    assert.equal(inputs.mergeMethod, "rebase");
    assert.deepEqual(inputs.spotCheckPaths, ["migrations/**", "/.github/"]);
    assert.equal(inputs.spotCheckMaxLines, 400);
    assert.deepEqual(inputs.reviewers, ["maya", "olly"]);
    assert.equal(inputs.resume, false);
    assert.equal(inputs.wakeUp, true);
    assert.equal(inputs.checkpointEverySeconds, 120);
    assert.deepEqual(inputs.agentEnv, ["OPENAI_API_KEY", "EXTRA_FLAG"]);
    assert.equal(inputs.base, "release");
    assert.equal(inputs.workspaceRoot, join(home, "work"));
    assert.equal(inputs.logDir, "/var/log/goals");
    assert.equal(inputs.gitMirror, join(home, "mirrors", "widgets.git"));
    assert.equal(inputs.isolation, "sandbox");
    assert.deepEqual(inputs.agentReadPaths, [home]);
    assert.deepEqual(inputs.agentNetwork, { kind: "allow", hosts: ["api.openai.com"] });
    assert.equal(inputs.cloneUrl, "https://git.example.com/acme/widgets.git");
  });

  it("leaves unset inputs at their defaults, with the runner's folders under HOME", () => {
    withInputs(REQUIRED);
    const inputs = readRunInputs({ HOME: home });
    assert.equal(inputs.resume, true);
    assert.equal(inputs.wakeUp, false);
    assert.equal(inputs.gitMirror, null);
    assert.equal(inputs.base, null);
    assert.equal(inputs.cloneUrl, null);
    assert.equal(inputs.mergeMethod, "squash");
    assert.deepEqual(inputs.reviewers, []);
    assert.equal(inputs.isolation, "sandbox");
    assert.deepEqual(inputs.agentNetwork, { kind: "open" });
    assert.ok(inputs.workspaceRoot.startsWith(home), inputs.workspaceRoot);
    assert.ok(inputs.logDir.startsWith(home), inputs.logDir);
  });

  it("names every wrong input in one error", () => {
    withInputs({
      ...REQUIRED,
      goal: "twelve",
      "merge-method": "fast-forward",
      "agent-env": "GOOD, BAD-NAME",
      isolation: "vm",
    });
    assert.throws(
      () => readRunInputs({ HOME: home }),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        for (const name of ["goal", "merge-method", "agent-env", "isolation"]) {
          assert.match(error.message, new RegExp(`${name}\\b`), `${name} in:\n${error.message}`);
        }
        return true;
      },
    );
  });
});
