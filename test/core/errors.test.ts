import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GoalBodyError, UserError } from "../../src/core/errors.js";

describe("UserError", () => {
  it("is an Error named UserError carrying the message", () => {
    const error = new UserError("max must be a number");
    assert.ok(error instanceof Error);
    assert.equal(error.name, "UserError");
    assert.equal(error.message, "max must be a number");
  });
});

describe("GoalBodyError", () => {
  it("is a UserError that keeps every problem and lists each on its own line", () => {
    const error = new GoalBodyError(["first problem", "second problem"]);
    assert.ok(error instanceof UserError);
    assert.equal(error.name, "GoalBodyError");
    assert.deepEqual(error.problems, ["first problem", "second problem"]);
    const lines = error.message.split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? "", /2 problems/);
    assert.equal(lines[1], "- first problem");
    assert.equal(lines[2], "- second problem");
  });

  it("uses the singular for one problem and copies the list", () => {
    const problems = ["only one"];
    const error = new GoalBodyError(problems);
    problems.push("added later");
    assert.match(error.message, /1 problem:/);
    assert.deepEqual(error.problems, ["only one"]);
  });
});
