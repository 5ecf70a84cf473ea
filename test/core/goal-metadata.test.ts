import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMetadataLine, readMetadataLine } from "../../src/core/goal-metadata.js";

describe("readMetadataLine", () => {
  it("reads one key per line, case-insensitively, trimming the value", () => {
    assert.deepEqual(readMetadataLine("  STORY :  #42  "), [{ key: "story", value: "#42" }]);
    assert.deepEqual(readMetadataLine("Depends on: #1, #2"), [{ key: "depends", value: "#1, #2" }]);
  });

  it("reads Model and Reasoning sharing a line, in either order", () => {
    assert.deepEqual(readMetadataLine("Model: opus        Reasoning: high"), [
      { key: "model", value: "opus" },
      { key: "reasoning", value: "high" },
    ]);
    assert.deepEqual(readMetadataLine("reasoning:low\tmodel:x"), [
      { key: "reasoning", value: "low" },
      { key: "model", value: "x" },
    ]);
  });

  it("keeps a Story or Depends value whole, so a shared line shows up as a bad reference", () => {
    assert.deepEqual(readMetadataLine("Story: #1 Model: opus"), [
      { key: "story", value: "#1 Model: opus" },
    ]);
  });

  it("is null for other lines", () => {
    for (const line of ["- Story: #1", "The model: x", "Storyline: y", "depends on nothing", ""]) {
      assert.equal(readMetadataLine(line), null, line);
      assert.equal(isMetadataLine(line), false, line);
    }
  });
});
