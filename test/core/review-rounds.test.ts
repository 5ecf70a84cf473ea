import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { attemptsUsed } from "../../src/core/attempts.js";
import { decodeMarkers, encodeMarker, type Marker } from "../../src/core/markers.js";
import {
  answeredRequests,
  FEEDBACK_MARKER_CHARS,
  feedbackMarkers,
  openReviewRound,
  type ReviewRequest,
  reviewRoundsUsed,
  reviewText,
  reviseText,
} from "../../src/core/review-rounds.js";

const claim = (attempt: number): Marker => ({
  kind: "claim",
  attempt,
  claimedBy: {},
  claimedAt: "2026-12-01T00:00:00Z",
  leaseExpiresAt: "2026-12-01T05:00:00Z",
});
const result = (attempt: number, outcome: "success" | "failure" | "spot-check"): Marker => ({
  kind: "run-result",
  attempt,
  outcome,
  reason: outcome,
  countsAsAttempt: true,
});
const round = (n: number, attempt: number, requests: string[] = []): Marker => ({
  kind: "feedback",
  attempt,
  source: "review",
  text: "rename it",
  round: n,
  pullRequest: 9,
  requests,
});

describe("reviseText", () => {
  it("reads the text after /goal revise at the start of a comment", () => {
    assert.equal(
      reviseText("/goal revise keep the old flag\nas an alias"),
      "keep the old flag\nas an alias",
    );
    assert.equal(reviseText("  /GOAL   Revise   x "), "x");
  });
  it("is empty for the command alone, and null for anything else", () => {
    assert.equal(reviseText("/goal revise"), "");
    assert.equal(reviseText("/goal revise   \n "), "");
    assert.equal(reviseText("please /goal revise this"), null);
    assert.equal(reviseText("/goal revised it"), null);
    assert.equal(reviseText("/goal approve"), null);
  });
});

describe("reviewText", () => {
  it("gives the body, then each inline comment as path:line and its text", () => {
    assert.equal(
      reviewText("Please tidy up.", [
        { path: "src/a.ts", line: 12, body: "rename x\nto count" },
        { path: "README.md", line: null, body: "outdated" },
      ]),
      "Please tidy up.\n\n- `src/a.ts:12`: rename x\n  to count\n\n- `README.md`: outdated",
    );
  });
});

describe("review rounds in the markers", () => {
  it("counts rounds and restarts the attempt count at each", () => {
    const markers = [claim(1), result(1, "failure"), claim(2), result(2, "success")];
    assert.equal(attemptsUsed(markers), 2);
    markers.push(round(1, 2), claim(3), result(3, "failure"));
    assert.equal(reviewRoundsUsed(markers), 1);
    assert.equal(attemptsUsed(markers), 1, "only the attempt since round 1 began");
    assert.deepEqual(openReviewRound(markers), { round: 1, pullRequest: 9 });
    markers.push(claim(4), result(4, "success"));
    assert.equal(openReviewRound(markers), null, "a delivered run ends the round");
    markers.push(round(2, 4));
    assert.equal(reviewRoundsUsed(markers), 2);
    assert.equal(attemptsUsed(markers), 0);
  });

  it("ends a round when a new attempt starts afresh (feedback outside any round)", () => {
    const markers: Marker[] = [claim(1), result(1, "success"), round(1, 1)];
    markers.push({ kind: "feedback", attempt: 2, source: "ci-failed", text: "red" });
    assert.equal(openReviewRound(markers), null);
  });

  it("knows which requests were taken in or answered", () => {
    const markers: Marker[] = [
      round(1, 1, ["review:1", "comment:2"]),
      { kind: "review-reply", reason: "outsider", requests: ["comment:3"] },
    ];
    assert.deepEqual([...answeredRequests(markers)].sort(), ["comment:2", "comment:3", "review:1"]);
  });
});

describe("feedbackMarkers", () => {
  const request = (id: number, text: string): ReviewRequest => ({
    id: `review:${id}`,
    author: "maintainer",
    submittedAt: "2026-12-01T00:00:00Z",
    url: `https://github.com/acme/widgets/pull/9#pullrequestreview-${id}`,
    text,
  });
  const base = { attempt: 1, source: "review" as const, round: 1, pullRequest: 9 };

  it("keeps a short review in one marker naming every request", () => {
    const markers = feedbackMarkers(base, [request(1, "fix it"), request(2, "and this")]);
    assert.equal(markers.length, 1);
    assert.deepEqual(markers[0]?.requests, ["review:1", "review:2"]);
    assert.match(
      markers[0]?.text ?? "",
      /From @maintainer .*:\n\nfix it\n\nFrom @maintainer .*:\n\nand this/s,
    );
  });

  it("splits 200 long inline comments over markers that each fit a comment, losing none", () => {
    // Dashes are escaped to six characters each in a marker: the worst case for its size.
    const comments = Array.from({ length: 200 }, (_, i) => ({
      path: `src/file-${i}.ts`,
      line: i + 1,
      body: `comment ${i}: ${"-".repeat(900)}`,
    }));
    const markers = feedbackMarkers(base, [request(1, reviewText("overall", comments))]);
    assert.ok(markers.length > 1);
    for (const marker of markers) {
      assert.ok(encodeMarker(marker).length <= FEEDBACK_MARKER_CHARS);
      assert.deepEqual(decodeMarkers(encodeMarker(marker)), [marker]);
    }
    const all = markers.map((marker) => marker.text).join("\n\n");
    for (let i = 0; i < 200; i++)
      assert.ok(all.includes(`\`src/file-${i}.ts:${i + 1}\`: comment ${i}:`));
    assert.deepEqual(markers[0]?.requests, ["review:1"]);
    assert.equal(markers[1]?.requests, undefined);
  });

  it("cuts only a single comment too long for any marker, and says so", () => {
    const markers = feedbackMarkers(base, [request(1, "-".repeat(70_000))]);
    const last = markers.at(-1)?.text ?? "";
    assert.match(last, /cut: too long for one comment\)$/);
    for (const marker of markers) assert.ok(encodeMarker(marker).length <= FEEDBACK_MARKER_CHARS);
  });
});
