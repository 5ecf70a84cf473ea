import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LABELS } from "../../src/core/states.js";
import { type GitHubFixture, startGitHubFixture } from "../helpers/github-fixture.js";
import { bundleRuntimes, run } from "../helpers/runtimes.js";

const SETUP = resolve("dist/setup/index.js");

/** Reads the name<<delimiter … delimiter blocks that @actions/core writes to GITHUB_OUTPUT. */
function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!match?.[1] || !match[2]) continue;
    const value: string[] = [];
    while (i + 1 < lines.length && lines[i + 1] !== match[2]) value.push(lines[++i] ?? "");
    i++;
    outputs[match[1]] = value.join("\n");
  }
  return outputs;
}

for (const runtime of bundleRuntimes()) {
  describe(`root action (setup) bundle on ${runtime.name}`, () => {
    let gh: GitHubFixture;
    let dir: string;
    const runAction = (inputs: Record<string, string>) => {
      const output = join(dir, `output-${Math.random()}`);
      const summary = join(dir, `summary-${Math.random()}`);
      writeFileSync(output, "");
      writeFileSync(summary, "");
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        GITHUB_API_URL: gh.server.url,
        GITHUB_REPOSITORY: "acme/widgets",
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        GOAL_ORCHESTRATOR_PACE_MS: gh.env.GOAL_ORCHESTRATOR_PACE_MS,
      };
      for (const [name, value] of Object.entries(inputs))
        env[`INPUT_${name.toUpperCase()}`] = value;
      return run(runtime.node, [SETUP], { env }).then((result) => ({ ...result, output, summary }));
    };

    beforeEach(async () => {
      gh = await startGitHubFixture();
      dir = mkdtempSync(join(tmpdir(), "goal-action-"));
    });
    afterEach(async () => {
      gh.server.assertNoViolations();
      await gh.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("creates the labels, reports them as outputs and in the job summary, and is idempotent", async () => {
      const first = await runAction({ token: gh.token, repository: "" });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.deepEqual(
        readOutputs(first.output).created?.split(",").sort(),
        LABELS.map((l) => l.name).sort(),
      );
      assert.match(readFileSync(first.summary, "utf8"), /goal:queued<\/td><td>created/);
      const leaks = first.stdout.split("\n").filter((line) => line.includes(gh.token));
      assert.deepEqual(
        leaks,
        [`::add-mask::${gh.token}`],
        "the token is masked before anything else is logged",
      );

      const second = await runAction({ token: gh.token, repository: "acme/widgets" });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.equal(readOutputs(second.output).created, "");
      assert.match(second.stdout, /0 created, 0 updated, 8 already right/);
    });

    it("fails the step with a message naming the input", async () => {
      const noToken = await runAction({ token: "" });
      assert.equal(noToken.code, 1);
      assert.match(noToken.stdout, /::error::Input "token" is empty/);
      const badRepo = await runAction({ token: gh.token, repository: "widgets" });
      assert.equal(badRepo.code, 1);
      assert.match(badRepo.stdout, /::error::Input "repository": Invalid repository "widgets"/);
    });
  });
}
