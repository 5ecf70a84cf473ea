import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { agentLogLine } from "../../src/actions/run.js";

// The runner (actions/runner's ActionCommandManager) reads a workflow command from a line that
// starts, after blanks, with "::", or that holds "##[" anywhere; it ends lines at "\r" too.
describe("agentLogLine", () => {
  it("gives every agent line a prefix no command starts with", () => {
    for (const line of ["::error::x", "  ::add-mask::secret", "::stop-commands::t", ""]) {
      const shown = agentLogLine(line);
      assert.ok(shown.startsWith("│ "), shown);
      assert.doesNotMatch(shown.trimStart(), /^::/);
    }
  });

  it("leaves no legacy ##[command] and no carriage return that would start a new line", () => {
    const shown = agentLogLine("text ##[add-mask]secret\r::error::x\r##[set-output name=a]b");
    assert.ok(!shown.includes("##["), shown);
    assert.ok(!shown.includes("\r"), shown);
    assert.equal(shown, "│ text ## [add-mask]secret␍::error::x␍## [set-output name=a]b");
  });
});
