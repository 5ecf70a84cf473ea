import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildAgentEnv } from "../../src/agent/environment.js";
import { UserError } from "../../src/core/errors.js";

const from: NodeJS.ProcessEnv = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/runner",
  LANG: "C.UTF-8",
  TERM: "xterm",
  USER: "runner",
  GITHUB_TOKEN: "ghs_secret",
  GH_TOKEN: "gho_secret",
  INPUT_GITHUB_TOKEN: "ghs_input",
  INPUT_AGENT_COMMAND: "ralph",
  ACTIONS_RUNTIME_TOKEN: "runtime",
  ACTIONS_ID_TOKEN_REQUEST_URL: "https://example.com",
  RUNNER_TEMP: "/tmp/runner",
  ANTHROPIC_API_KEY: "sk-ant",
  NODE_OPTIONS: "--require /tmp/evil.js",
};
const contract = { GOAL_FILE: "/work/clone/.goal.md", GOAL_NUMBER: "12" };

describe("buildAgentEnv", () => {
  it("passes only the base variables that are set, and the contract", () => {
    assert.deepEqual(buildAgentEnv({ contract, allow: [], from }), {
      PATH: "/usr/bin:/bin",
      HOME: "/home/runner",
      LANG: "C.UTF-8",
      TERM: "xterm",
      USER: "runner",
      GOAL_FILE: "/work/clone/.goal.md",
      GOAL_NUMBER: "12",
    });
  });

  it("adds allow-listed names by exact name, skipping those that are not set", () => {
    const env = buildAgentEnv({
      contract,
      allow: ["ANTHROPIC_API_KEY", "GH_TOKEN", "NOT_SET_ANYWHERE"],
      from,
    });
    assert.equal(env.ANTHROPIC_API_KEY, "sk-ant");
    assert.equal(env.GH_TOKEN, "gho_secret");
    assert.equal(env.GITHUB_TOKEN, undefined);
    assert.equal(Object.hasOwn(env, "NOT_SET_ANYWHERE"), false);
    assert.equal(
      Object.keys(env).some((name) => /^(INPUT_|ACTIONS_)/.test(name)),
      false,
    );
  });

  it("lets the contract win over the runner's environment", () => {
    const env = buildAgentEnv({
      contract: { GOAL_NUMBER: "12" },
      allow: ["GOAL_NUMBER"],
      from: { ...from, GOAL_NUMBER: "999" },
    });
    assert.equal(env.GOAL_NUMBER, "12");
  });

  it("refuses patterns and malformed names in the allow-list", () => {
    assert.throws(
      () => buildAgentEnv({ contract, allow: ["INPUT_*", "OK_NAME", "1BAD"], from }),
      (error: unknown) =>
        error instanceof UserError &&
        /"INPUT_\*", "1BAD"/.test(error.message) &&
        /exact/.test(error.message),
    );
  });

  it("does not read inherited properties of the source object", () => {
    const proto = { GH_TOKEN: "from-prototype" };
    const source = Object.assign(Object.create(proto), { PATH: "/bin" }) as NodeJS.ProcessEnv;
    assert.deepEqual(buildAgentEnv({ contract: {}, allow: ["GH_TOKEN"], from: source }), {
      PATH: "/bin",
    });
  });
});
