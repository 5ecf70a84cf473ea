import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GoalSnapshot } from "../../src/core/ports.js";
import { stateLabel } from "../../src/core/states.js";
import { statsFromGoals } from "../../src/stats/from-goals.js";

const goal = (number: number, open: boolean, stateReason: string | null): GoalSnapshot => ({
  ref: { owner: "acme", repo: "widgets", number },
  id: number,
  nodeId: `I_${number}`,
  title: `Goal ${number}`,
  body: "",
  url: `https://github.com/acme/widgets/issues/${number}`,
  open,
  stateReason,
  labels: [stateLabel("spot-check")],
  state: "spot-check",
  author: "maintainer",
  createdAt: "2026-12-01T00:00:00Z",
  markers: [],
});

describe("statsFromGoals", () => {
  it("counts a goal issue closed as completed as done, whatever its label says", () => {
    // A person merged its spot-check pull request on GitHub, which closed the issue.
    const { histories } = statsFromGoals([
      goal(1, false, "COMPLETED"),
      goal(2, true, null),
      goal(3, false, "NOT_PLANNED"),
    ]);
    assert.deepEqual(
      histories.map((history) => [history.goal, history.state, history.timeline.at(-1)?.state]),
      [
        [1, "done", "done"],
        [2, "spot-check", "spot-check"],
        [3, "spot-check", "spot-check"],
      ],
    );
  });
});
