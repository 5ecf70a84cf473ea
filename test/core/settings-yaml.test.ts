import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveSettings } from "../../src/core/settings.js";
import { parseSettingsFile } from "../../src/core/settings-yaml.js";

describe("parseSettingsFile", () => {
  it("reads keys for resolveSettings, with flags winning over the file", () => {
    const file = parseSettingsFile(
      "max: 3\nmodel: opus\nreviewers: [alice, '@bob']\nduration: 90m\n",
    );
    const settings = resolveSettings({ explicit: { model: "sonnet", max: "" }, file });
    assert.equal(settings.max, 3);
    assert.equal(settings.model, "sonnet");
    assert.deepEqual(settings.reviewers, ["alice", "bob"]);
    assert.equal(settings.durationSeconds, 5400);
  });

  it("treats an empty file or one with only comments as no settings", () => {
    assert.equal(parseSettingsFile(""), null);
    assert.equal(parseSettingsFile("# nothing yet\n"), null);
  });

  it("names the file, line and column of a syntax error", () => {
    assert.throws(
      () => parseSettingsFile("max: 3\nmodel: [opus\n", "custom.yml"),
      /^UserError: custom\.yml: line \d+, column \d+: /,
    );
    assert.throws(
      () => parseSettingsFile("max: 3\nmax: 4\n"),
      /goal-orchestrator\.yml: line 2, column 1: Map keys must be unique/,
    );
  });

  it("refuses a file that is not a mapping", () => {
    assert.throws(() => parseSettingsFile("- max: 3\n"), /found a list/);
    assert.throws(() => parseSettingsFile("just words\n"), /found a string/);
  });

  it("lets resolveSettings name unknown keys from the file", () => {
    const file = parseSettingsFile("maxx: 3\n");
    assert.throws(() => resolveSettings({ explicit: {}, file }), /maxx/);
  });
});
