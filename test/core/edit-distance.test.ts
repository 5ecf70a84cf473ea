import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { editDistance, nearest } from "../../src/core/edit-distance.js";

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    assert.equal(editDistance("", ""), 0);
    assert.equal(editDistance("abc", ""), 3);
    assert.equal(editDistance("", "ab"), 2);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("max-attempt", "max-attempts"), 1);
  });
});

describe("nearest", () => {
  it("suggests the closest candidate within the limit, ignoring case", () => {
    assert.equal(nearest("modle", ["max", "model"], 2), "model");
    assert.equal(nearest("maxAttempts", ["max", "max-attempts"], 2), "max-attempts");
    assert.equal(nearest("colour", ["max", "model"], 2), null);
  });
});
