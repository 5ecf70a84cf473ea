// Family 2, git hooks and config in the agent's repository: every hook, core.hooksPath,
// core.fsmonitor, filters, drivers, helpers and a gpg.program of the agent's; each logs its
// environment and its ancestors' to .git/loot/hooks.log. The agent leaves a change uncommitted.
// Whatever the runner does with the agent's commits, none of these may run with a secret in
// reach, and the agent's change (committed and uncommitted) must still reach origin.
import { describe, it } from "node:test";
import { claimedGoal, filesOn, goalBranch, isolations, runGoal, worldPerTest } from "./harness.js";
import { assertNoProblems, breaches, expect } from "./harness-breach.js";

const startWorld = worldPerTest();

interface HookEntry {
  header: string;
  /** The hook's own environment (NAME=value lines). */
  env: string;
}

/** The entries of hooks.log: a `=== name …` header, its environment, its ancestors'. */
function hookEntries(log: string): HookEntry[] {
  return log
    .split(/^=== end$/m)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.startsWith("=== "))
    .map((chunk) => {
      const [header = "", ...rest] = chunk.split("\n");
      const body = rest.join("\n");
      const ancestors = body.indexOf("\n--- ancestor ");
      return { header, env: ancestors < 0 ? body : body.slice(0, ancestors) };
    });
}

const SECRET_NAMES =
  /^(INPUT_[^=]*|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN|GITHUB_TOKEN|GH_TOKEN|SECRET_THING|GITHUB_STATE|GITHUB_OUTPUT|GITHUB_ENV|GITHUB_PATH)=/m;

for (const { isolation, options } of isolations("sandbox", "none")) {
  const title = `git hooks and config in the agent's repository (isolation: ${isolation})`;
  describe(title, options, () => {
    it("no hook, filter or helper of the agent's runs near a secret, and its change is delivered", async () => {
      const world = await startWorld();
      const goal = await claimedGoal(world, "Hook everything");
      const run = await runGoal(world, { goal, agent: "hooks.mjs", isolation });
      const problems = await breaches(world, run);
      const entries = hookEntries(run.loot["hooks.log"] ?? "");
      expect(
        problems,
        entries.some((entry) => entry.header.startsWith("=== pre-commit")),
        "the agent's hooks never fired, even for its own commit: the attack was not live",
      );
      const credentialed = new Set<string>();
      const secretNamed = new Set<string>();
      for (const entry of entries) {
        const name = /^=== (\S+)/.exec(entry.header)?.[1] ?? entry.header;
        if (/^GIT_CONFIG_VALUE_\d+=.*authorization/im.test(entry.env)) credentialed.add(name);
        const named = SECRET_NAMES.exec(entry.env);
        if (named) secretNamed.add(`${name} (${named[1]})`);
      }
      expect(
        problems,
        credentialed.size === 0,
        `these got an Authorization header through GIT_CONFIG_VALUE_*: ${[...credentialed].join(", ")}`,
      );
      expect(
        problems,
        secretNamed.size === 0,
        `these ran with a secret's variable in their environment: ${[...secretNamed].join(", ")}`,
      );
      const outcome = run.main.outputs.outcome;
      expect(problems, outcome === "success", `outcome ${outcome}, not success`);
      const branch = goalBranch(world, goal);
      const files = branch ? filesOn(world, branch) : [];
      for (const file of ["attack-hooks.txt", "uncommitted.txt"]) {
        expect(problems, files.includes(file), `${file} is not on the pushed goal branch`);
      }
      assertNoProblems(problems, run, `hooks.mjs (isolation: ${isolation})`);
    });
  });
}
