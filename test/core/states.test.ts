import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../../src/core/errors.js";
import {
  ALLOWED_TRANSITIONS,
  assertTransition,
  canTransition,
  GOAL_STATES,
  isStateLabel,
  LABELS,
  parseState,
  SPOT_CHECK_FLAG_LABEL,
  STORY_LABEL,
  stateFromLabels,
  stateLabel,
  withState,
} from "../../src/core/states.js";

describe("state labels", () => {
  it("maps states to goal:* labels and back", () => {
    for (const state of GOAL_STATES) {
      assert.equal(parseState(stateLabel(state)), state);
      assert.ok(isStateLabel(stateLabel(state)));
    }
    assert.equal(stateLabel("queued"), "goal:queued");
    assert.equal(stateLabel("spot-check"), "goal:spot-check");
  });

  it("does not read other labels as states", () => {
    for (const name of [
      "queued",
      "goal:",
      "goal:unknown",
      "Goal:queued",
      "goal:queued ",
      "spot-check",
      "story",
    ]) {
      assert.equal(parseState(name), null, name);
      assert.equal(isStateLabel(name), false, name);
    }
  });
});

describe("LABELS", () => {
  it("has one spec per state plus story and the spot-check flag", () => {
    const names = LABELS.map((label) => label.name);
    assert.deepEqual(names, [...GOAL_STATES.map(stateLabel), STORY_LABEL, SPOT_CHECK_FLAG_LABEL]);
    assert.equal(STORY_LABEL, "story");
    assert.equal(SPOT_CHECK_FLAG_LABEL, "spot-check");
  });

  it("uses distinct 6-digit hex colours and descriptions GitHub accepts", () => {
    for (const label of LABELS) {
      assert.match(label.color, /^[0-9a-f]{6}$/, label.name);
      assert.ok(label.description.length > 0 && label.description.length <= 100, label.name);
    }
    assert.equal(new Set(LABELS.map((label) => label.color)).size, LABELS.length);
  });
});

describe("stateFromLabels", () => {
  it("finds the one state label among others", () => {
    assert.deepEqual(stateFromLabels(["bug", "goal:running", "story"]), {
      state: "running",
      conflicting: [],
    });
  });

  it("returns null without a state label", () => {
    assert.deepEqual(stateFromLabels(["bug", "goal:nope"]), { state: null, conflicting: [] });
    assert.deepEqual(stateFromLabels([]), { state: null, conflicting: [] });
  });

  it("reports every state label when there are several", () => {
    assert.deepEqual(stateFromLabels(["goal:queued", "x", "goal:running"]), {
      state: null,
      conflicting: ["queued", "running"],
    });
  });

  it("treats the same label twice as one", () => {
    assert.deepEqual(stateFromLabels(["goal:done", "goal:done"]), {
      state: "done",
      conflicting: [],
    });
  });
});

describe("withState", () => {
  it("keeps other labels in order and leaves exactly one state label", () => {
    assert.deepEqual(withState(["a", "goal:queued", "b", "goal:stuck"], "running"), [
      "a",
      "b",
      "goal:running",
    ]);
    assert.deepEqual(withState([], "draft"), ["goal:draft"]);
    assert.deepEqual(withState(["goal:done"], "done"), ["goal:done"]);
  });
});

describe("transitions", () => {
  it("follows the design's state machine", () => {
    const expected: Record<string, string[]> = {
      draft: ["queued"],
      queued: ["running", "draft", "stuck"],
      running: ["done", "stuck", "spot-check", "queued", "draft"],
      "spot-check": ["done", "queued", "stuck", "draft"],
      stuck: ["queued", "draft"],
      done: ["queued", "stuck", "draft", "spot-check"],
    };
    for (const from of GOAL_STATES) {
      assert.deepEqual(
        [...ALLOWED_TRANSITIONS[from]].sort(),
        [...(expected[from] ?? [])].sort(),
        from,
      );
      for (const to of GOAL_STATES) {
        assert.equal(canTransition(from, to), (expected[from] ?? []).includes(to), `${from}→${to}`);
      }
    }
  });

  it("assertTransition allows permitted moves and any move from no state", () => {
    assert.doesNotThrow(() => assertTransition("queued", "running"));
    for (const to of GOAL_STATES) assert.doesNotThrow(() => assertTransition(null, to));
  });

  it("assertTransition explains a refused move", () => {
    assert.throws(
      () => assertTransition("draft", "running"),
      (error: unknown) =>
        error instanceof UserError &&
        error.message ===
          "goal is draft; it cannot become running. From draft a goal can become: queued.",
    );
    assert.throws(
      () => assertTransition("done", "running"),
      /From done a goal can become: queued, stuck, draft, spot-check\./,
    );
  });
});
