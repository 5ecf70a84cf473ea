import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LABELS } from "../../src/core/states.js";
import { runActionBundle } from "../helpers/action-runner.js";
import { type GitHubFixture, startGitHubFixture } from "../helpers/github-fixture.js";
import { bundleRuntimes } from "../helpers/runtimes.js";

for (const runtime of bundleRuntimes()) {
  describe(`root action (setup) bundle on ${runtime.name}`, () => {
    let gh: GitHubFixture;
    const runAction = (inputs: Record<string, string>) =>
      runActionBundle(runtime.node, "setup", inputs, {
        GITHUB_API_URL: gh.server.url,
        GITHUB_REPOSITORY: "acme/widgets",
        GOAL_ORCHESTRATOR_PACE_MS: gh.env.GOAL_ORCHESTRATOR_PACE_MS,
      });

    beforeEach(async () => {
      gh = await startGitHubFixture();
    });
    afterEach(() => gh.close());

    it("creates the labels, reports them as outputs and in the job summary, and is idempotent", async () => {
      const first = await runAction({ token: gh.token, repository: "" });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.deepEqual(first.outputs.created?.split(",").sort(), LABELS.map((l) => l.name).sort());
      assert.match(first.summary, /goal:queued<\/td><td>created/);
      const leaks = first.stdout.split("\n").filter((line) => line.includes(gh.token));
      assert.deepEqual(
        leaks,
        [`::add-mask::${gh.token}`],
        "the token is masked before anything else is logged",
      );

      const second = await runAction({ token: gh.token, repository: "acme/widgets" });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.equal(second.outputs.created, "");
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
