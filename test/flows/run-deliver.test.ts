import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GoalSnapshot } from "../../src/core/ports.js";
import { type DeliveryRequest, pathAsCode, pullRequestBody } from "../../src/flows/run-deliver.js";
import { statsRecord } from "../helpers/stats-record.js";

function request(objective: string, verdictReason = "checks passed"): DeliveryRequest {
  const goal: GoalSnapshot = {
    ref: { owner: "acme", repo: "widgets", number: 12 },
    id: 1012,
    nodeId: "I_12",
    title: "Export CSV",
    body: `## Objective\n${objective}\n\n## Acceptance\n- it works\n`,
    url: "https://github.com/acme/widgets/issues/12",
    open: true,
    stateReason: null,
    labels: ["goal:running"],
    state: "running",
    author: "maintainer",
    createdAt: "2026-11-18T09:00:00.000Z",
    markers: [],
  };
  return {
    goal,
    attempt: 2,
    maxAttempts: 3,
    mergeMethod: "squash",
    workspace: {} as DeliveryRequest["workspace"],
    collected: {} as DeliveryRequest["collected"],
    verdict: { outcome: "spot-check", reason: verdictReason },
    stats: statsRecord({ goal: 12, attempt: 2 }),
    runUrl: "https://github.com/acme/widgets/actions/runs/7",
  };
}

describe("pullRequestBody", () => {
  it("closes the goal and carries a short objective, the run and the stats unchanged", () => {
    const body = pullRequestBody(request("Export the widget list as CSV."));
    assert.match(body, /^Closes #12\n\n## Objective\n\nExport the widget list as CSV\.\n\n/);
    assert.match(
      body,
      /Attempt 2 of 3 · \[workflow run\]\(https:\/\/github\.com\/acme\/widgets\/actions\/runs\/7\)/,
    );
    assert.match(body, /\*\*Needs human review:\*\* checks passed\./);
    assert.match(body, /\| outcome \| success \|/);
    assert.doesNotMatch(body, /cut to fit/);
  });

  it("keeps a long objective whole while the body fits, cuts a 65,500-character one with a note", () => {
    const whole = pullRequestBody(request("o".repeat(64_000)));
    assert.ok(whole.length <= 65_536, `${whole.length} characters`);
    assert.ok(whole.includes(`\n${"o".repeat(64_000)}\n`), "objective kept whole");
    assert.ok(!whole.includes("cut to fit"));

    const body = pullRequestBody(request("o".repeat(65_500)));
    assert.equal(body.length, 65_536);
    assert.ok(body.startsWith("Closes #12\n\n## Objective\n\nooo"));
    const note =
      "o\n\n… (cut to fit GitHub's 65,536-character limit; the full text is in #12)\n\nAttempt 2 of 3";
    assert.ok(body.includes(note), "the cut objective ends with the note");
    // Everything after the objective is kept whole.
    assert.ok(body.endsWith("| lines added / deleted | 10 / 2 in 1 file(s) |\n"));
  });

  it("still fits when the other parts are too long themselves", () => {
    const body = pullRequestBody(request("short", "r".repeat(70_000)));
    assert.ok(body.length <= 65_536, `${body.length} characters`);
    assert.match(body, /^Closes #12\n/);
  });
});

describe("pathAsCode", () => {
  it("keeps an agent's hostile path inside one code span", () => {
    assert.equal(pathAsCode("src/a.ts"), "`src/a.ts`");
    assert.equal(
      pathAsCode("x`\n\n@octocat [x](http://e.vil)"),
      "`x'??@octocat [x](http://e.vil)`",
    );
  });
});
