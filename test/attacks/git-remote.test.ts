// Family 3, the agent rewrites remote.origin.url, pushurl, url.<x>.insteadOf, pushInsteadOf,
// http.proxy and credential.helper to the attacker git proxy (which forwards to the real
// origin). The push must still go to the real origin directly, and no credential may reach the
// proxy.
import { describe, it } from "node:test";
import { claimedGoal, filesOn, goalBranch, isolations, runGoal, worldPerTest } from "./harness.js";
import { assertNoProblems, breaches, expect } from "./harness-breach.js";
import { VIA_PROXY_HEADER } from "./harness-servers.js";

const startWorld = worldPerTest();

for (const { isolation, options } of isolations("sandbox", "none")) {
  describe(`the remote rewritten to an attacker's proxy (isolation: ${isolation})`, options, () => {
    it("pushes to the real origin, and the proxy sees no credential", async () => {
      const world = await startWorld();
      const goal = await claimedGoal(world, "Redirect the push");
      const run = await runGoal(world, { goal, agent: "remote.mjs", isolation });
      const problems = await breaches(world, run);
      const direct = world.origin.requests.filter(
        (request) =>
          request.method === "POST" &&
          request.url.endsWith("/git-receive-pack") &&
          request.headers[VIA_PROXY_HEADER] === undefined,
      );
      expect(problems, direct.length > 0, "the real origin received no push directly");
      const proxied = world.proxy.requests.map((request) => `${request.method} ${request.url}`);
      expect(
        problems,
        proxied.length === 0,
        `the runner's git talked to the proxy: ${proxied.join(", ")}`,
      );
      const outcome = run.main.outputs.outcome;
      expect(problems, outcome === "success", `outcome ${outcome}, not success`);
      const branch = goalBranch(world, goal);
      expect(
        problems,
        branch !== null && filesOn(world, branch).includes("attack-remote.txt"),
        "the agent's work is not on origin's goal branch",
      );
      assertNoProblems(problems, run, `remote.mjs (isolation: ${isolation})`);
    });
  });
}
