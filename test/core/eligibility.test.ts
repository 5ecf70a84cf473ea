import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compareForDispatch,
  type DependencyStatus,
  dependencyDone,
  eligibility,
  findCycle,
  orderForDispatch,
} from "../../src/core/eligibility.js";
import { type IssueRef, issueKey } from "../../src/core/issue-ref.js";

const ref = (number: number, repo = "app"): IssueRef => ({ owner: "octo", repo, number });

describe("dependencyDone", () => {
  it("is done when labelled goal:done, whatever its state", () => {
    assert.ok(dependencyDone({ state: "open", stateReason: null, labels: ["x", "goal:done"] }));
  });

  it("is done when closed as completed, in either API's spelling", () => {
    assert.ok(dependencyDone({ state: "closed", stateReason: "completed", labels: [] }));
    assert.ok(dependencyDone({ state: "closed", stateReason: "COMPLETED", labels: [] }));
  });

  it("is not done when open, closed as not planned, or closed without a reason", () => {
    assert.ok(!dependencyDone({ state: "open", stateReason: null, labels: ["goal:running"] }));
    assert.ok(!dependencyDone({ state: "closed", stateReason: "not_planned", labels: [] }));
    assert.ok(
      !dependencyDone({ state: "closed", stateReason: "NOT_PLANNED", labels: ["goal:stuck"] }),
    );
    assert.ok(!dependencyDone({ state: "closed", stateReason: null, labels: [] }));
    assert.ok(!dependencyDone({ state: "open", stateReason: "completed", labels: [] }));
  });
});

describe("findCycle", () => {
  const graph = (edges: Record<number, number[]>) => (r: IssueRef) =>
    edges[r.number]?.map((n) => ref(n));

  it("finds a path back to the start", () => {
    assert.deepEqual(findCycle(ref(1), graph({ 1: [2], 2: [3], 3: [1] })), [
      ref(1),
      ref(2),
      ref(3),
      ref(1),
    ]);
    assert.deepEqual(findCycle(ref(1), graph({ 1: [1] })), [ref(1), ref(1)]);
  });

  it("returns null without a cycle through the start, even with other cycles", () => {
    assert.equal(findCycle(ref(1), graph({ 1: [2, 3], 2: [3], 3: [] })), null);
    assert.equal(findCycle(ref(1), graph({ 1: [2], 2: [3], 3: [2] })), null);
    assert.equal(
      findCycle(ref(1), () => undefined),
      null,
    );
  });

  it("compares issues case-insensitively and across repositories", () => {
    const edges = (r: IssueRef) =>
      issueKey(r) === "octo/app#1"
        ? [ref(1, "lib")]
        : issueKey(r) === "octo/lib#1"
          ? [{ owner: "OCTO", repo: "APP", number: 1 }]
          : [];
    assert.equal(findCycle(ref(1), edges)?.length, 3);
  });

  it("handles long chains without recursion", () => {
    const edges = (r: IssueRef) => (r.number < 50_000 ? [ref(r.number + 1)] : [ref(1)]);
    assert.equal(findCycle(ref(1), edges)?.length, 50_001);
  });
});

describe("eligibility", () => {
  const goal = (dependencies: DependencyStatus[]) => ({ number: 7, isRetry: false, dependencies });

  it("is eligible with no dependencies or all done", () => {
    assert.deepEqual(eligibility(goal([])), { eligible: true });
    assert.deepEqual(eligibility(goal([{ ref: ref(1), kind: "done" }])), { eligible: true });
  });

  it("waits for dependencies that are not done, naming them and their state", () => {
    const result = eligibility(
      goal([
        { ref: ref(1), kind: "done" },
        { ref: ref(2), kind: "waiting", state: "running" },
        { ref: ref(3, "lib"), kind: "waiting", state: "open" },
      ]),
    );
    assert.deepEqual(result, {
      eligible: false,
      blocked: "waiting",
      reason: "Goal #7 waits for octo/app#2 (running), octo/lib#3 (open) to be done.",
    });
  });

  it("is unsatisfiable for missing, self and cycle, naming every reference, even when others wait", () => {
    const result = eligibility(
      goal([
        { ref: ref(2), kind: "waiting", state: "queued" },
        { ref: ref(9), kind: "missing" },
        { ref: ref(7), kind: "self" },
        { ref: ref(3), kind: "cycle", path: [ref(7), ref(3), ref(7)] },
      ]),
    );
    assert.equal(result.eligible, false);
    assert.ok(!result.eligible && result.blocked === "unsatisfiable");
    assert.ok(!result.eligible && result.reason.includes("octo/app#9 does not exist"));
    assert.ok(!result.eligible && result.reason.includes("octo/app#7 is this goal itself"));
    assert.ok(!result.eligible && result.reason.includes("octo/app#7 → octo/app#3 → octo/app#7"));
    assert.ok(!result.eligible && !result.reason.includes("#2"));
  });
});

describe("dispatch order", () => {
  it("runs never-attempted goals first, then retries, lower numbers first", () => {
    const goals = [
      { number: 5, isRetry: true },
      { number: 9, isRetry: false },
      { number: 2, isRetry: true },
      { number: 3, isRetry: false },
    ];
    const ordered = orderForDispatch(goals);
    assert.deepEqual(
      ordered.map((g) => g.number),
      [3, 9, 2, 5],
    );
    assert.deepEqual(
      goals.map((g) => g.number),
      [5, 9, 2, 3],
      "the input is not changed",
    );
    assert.ok(
      compareForDispatch({ number: 100, isRetry: false }, { number: 1, isRetry: true }) < 0,
    );
    assert.ok(compareForDispatch({ number: 1, isRetry: true }, { number: 2, isRetry: true }) < 0);
  });
});
