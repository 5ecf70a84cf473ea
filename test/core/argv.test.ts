import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderArgv, splitArgv, unknownPlaceholders } from "../../src/core/argv.js";
import { UserError } from "../../src/core/errors.js";

describe("splitArgv", () => {
  it("splits on any whitespace", () => {
    assert.deepEqual(splitArgv("  ralph --goal={goal_file}\t--model={model}\n x "), [
      "ralph",
      "--goal={goal_file}",
      "--model={model}",
      "x",
    ]);
    assert.deepEqual(splitArgv(""), []);
    assert.deepEqual(splitArgv("   "), []);
  });

  it("keeps quoted text as one word and joins adjacent parts", () => {
    assert.deepEqual(splitArgv(`a 'b c' "d e" f'g h'"i"`), ["a", "b c", "d e", "fg hi"]);
    assert.deepEqual(splitArgv(`'' ""`), ["", ""]);
  });

  it('reads backslash escapes outside quotes and \\" \\\\ inside double quotes', () => {
    assert.deepEqual(splitArgv(String.raw`a\ b \'c \\d "e\"f\\g\h" 'i\j'`), [
      "a b",
      "'c",
      "\\d",
      'e"f\\g\\h',
      "i\\j",
    ]);
    assert.deepEqual(splitArgv("a \\\nb"), ["a", "b"]);
  });

  it("expands nothing", () => {
    assert.deepEqual(splitArgv("echo $HOME ~ * `id` $(id) ;rm -rf /"), [
      "echo",
      "$HOME",
      "~",
      "*",
      "`id`",
      "$(id)",
      ";rm",
      "-rf",
      "/",
    ]);
  });

  it("rejects unbalanced quotes and a trailing backslash, saying where", () => {
    assert.throws(
      () => splitArgv(`ralph --goal='x`),
      (error: unknown) =>
        error instanceof UserError &&
        error.message ===
          `The command "ralph --goal='x" has an unclosed ' quote (at character 14): close it, or escape it with a backslash.`,
    );
    assert.throws(() => splitArgv(`a "b`), /unclosed " quote \(at character 3\)/);
    assert.throws(() => splitArgv("a\\"), /ends with a lone backslash/);
  });
});

describe("placeholders", () => {
  it("finds unknown placeholders once each, ignoring JSON-like braces", () => {
    assert.deepEqual(
      unknownPlaceholders(["x", "{goal_file}", "{nope}{nope}", '--j={"a":1}', "{other}"]),
      ["nope", "other"],
    );
    assert.deepEqual(
      unknownPlaceholders(["{goal}", "{attempt}", "{repository}", "{duration}", "{reasoning}"]),
      [],
    );
  });

  it("renderArgv fills each argument without re-reading inserted values", () => {
    assert.deepEqual(
      renderArgv(["ralph", "--goal={goal_file}", "{model}-{model}", "{}"], {
        goal_file: "/tmp/g {model}.md",
        model: "$(rm -rf /)",
      }),
      ["ralph", "--goal=/tmp/g {model}.md", "$(rm -rf /)-$(rm -rf /)", "{}"],
    );
  });

  it("renderArgv names a placeholder without a value", () => {
    assert.throws(() => renderArgv(["{attempt}"], {}), /uses \{attempt\}, which has no value here/);
    assert.throws(() => renderArgv(["{toString}"], {}), /uses \{toString\}/);
  });
});
