import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  blockedMessage,
  blockedNotice,
  dependencyStuck,
  namedBlockers,
} from "../../src/core/eligibility.js";
import type { IssueRef } from "../../src/core/issue-ref.js";
import {
  type BlockedMarker,
  decodeMarkers,
  encodeMarker,
  type Marker,
  trustedMarkers,
} from "../../src/core/markers.js";

// The blocked rule: a queued goal whose dependency is goal:stuck is told so once per set of
// stuck dependencies; a claim or a state change of the goal ends what it was told.

const repo = { owner: "octo", repo: "app" };
const ref = (number: number, other = "app"): IssueRef => ({ owner: "octo", repo: other, number });
const blocked = (...by: string[]): BlockedMarker => ({ kind: "blocked", by });
const claim: Marker = {
  kind: "claim",
  attempt: 1,
  claimedBy: { runId: "1" },
  claimedAt: "2026-01-01T00:00:00Z",
  leaseExpiresAt: "2026-01-01T04:00:00Z",
};

describe("dependencyStuck", () => {
  it("is labelled goal:stuck and not done", () => {
    assert.ok(dependencyStuck({ state: "open", stateReason: null, labels: ["goal:stuck"] }));
    assert.ok(
      dependencyStuck({ state: "closed", stateReason: "not_planned", labels: ["goal:stuck"] }),
    );
    assert.ok(!dependencyStuck({ state: "open", stateReason: null, labels: ["goal:queued"] }));
    assert.ok(!dependencyStuck({ state: "open", stateReason: null, labels: ["goal:draft"] }));
    // Closed as completed is done, whatever label it kept.
    assert.ok(
      !dependencyStuck({ state: "closed", stateReason: "completed", labels: ["goal:stuck"] }),
    );
  });
});

describe("namedBlockers", () => {
  it("is what the latest blocked marker names, short or qualified, across repositories", () => {
    assert.deepEqual(namedBlockers([blocked("octo/app#3"), blocked("#4", "octo/lib#7")], repo), [
      ref(4),
      ref(7, "lib"),
    ]);
    assert.deepEqual(namedBlockers([], repo), []);
  });

  it("ends with a claim or a state change of the goal, and skips what is no reference", () => {
    assert.deepEqual(namedBlockers([blocked("octo/app#3"), claim], repo), []);
    assert.deepEqual(
      namedBlockers(
        [blocked("octo/app#3"), { kind: "transition", from: "stuck", to: "queued", reason: "x" }],
        repo,
      ),
      [],
    );
    assert.deepEqual(namedBlockers([claim, blocked("nonsense", "octo/app#5")], repo), [ref(5)]);
  });
});

describe("blockedNotice", () => {
  it("names every stuck dependency, once, for a goal not told yet", () => {
    assert.deepEqual(blockedNotice([], [ref(3), ref(7, "lib"), ref(3)], repo), {
      kind: "blocked",
      by: ["octo/app#3", "octo/lib#7"],
    });
  });

  it("says nothing again while its markers name each stuck dependency", () => {
    assert.equal(blockedNotice([blocked("octo/app#3")], [ref(3)], repo), null);
    // One of two named dependencies is no longer stuck: still said, nothing new.
    assert.equal(blockedNotice([blocked("octo/app#3", "octo/app#4")], [ref(4)], repo), null);
    // Names compare without regard to case.
    assert.equal(blockedNotice([blocked("Octo/App#3")], [ref(3)], repo), null);
    assert.equal(blockedNotice([blocked("octo/app#3")], [], repo), null, "not blocked");
    assert.equal(blockedNotice([], [], repo), null);
  });

  it("speaks again for another stuck dependency, or once the goal was claimed or moved since", () => {
    assert.deepEqual(blockedNotice([blocked("octo/app#3")], [ref(3), ref(4)], repo), {
      kind: "blocked",
      by: ["octo/app#3", "octo/app#4"],
    });
    assert.deepEqual(blockedNotice([blocked("octo/app#3"), claim], [ref(3)], repo), {
      kind: "blocked",
      by: ["octo/app#3"],
    });
  });

  it("counts only markers from trusted authors: a pasted one neither silences nor blocks", () => {
    const comments = [
      {
        author: "mallory",
        body: encodeMarker(blocked("octo/app#3")),
        createdAt: "2026-01-01T00:00:00Z",
      },
    ];
    const markers = trustedMarkers(comments, new Set(["github-actions[bot]"]));
    assert.deepEqual(markers, []);
    assert.deepEqual(namedBlockers(markers, repo), []);
    assert.deepEqual(blockedNotice(markers, [ref(3)], repo), blocked("octo/app#3"));
    const ours = trustedMarkers(
      [{ ...comments[0], author: "github-actions[bot]" } as (typeof comments)[number]],
      new Set(["github-actions[bot]"]),
    );
    assert.equal(blockedNotice(ours, [ref(3)], repo), null);
  });
});

describe("blocked markers", () => {
  it("round-trip, and are read tolerantly", () => {
    assert.deepEqual(decodeMarkers(encodeMarker(blocked("octo/app#3", "o/r#1"))), [
      blocked("octo/app#3", "o/r#1"),
    ]);
    const line = (json: string) => `<!-- goal-orchestrator:v1 ${json} -->`;
    assert.deepEqual(decodeMarkers(line('{"v":1,"kind":"blocked"}')), [], "no list: skipped");
    assert.deepEqual(decodeMarkers(line('{"v":1,"kind":"blocked","by":"octo/app#3"}')), []);
    assert.deepEqual(
      decodeMarkers(line('{"v":1,"kind":"blocked","by":["octo/app#3",7,null],"extra":1}')),
      [blocked("octo/app#3")],
      "entries that are not text and unknown fields are dropped",
    );
  });
});

describe("blockedMessage", () => {
  it("names the stuck dependency and what a human can do", () => {
    const text = blockedMessage(ref(10), [ref(3)]);
    assert.match(
      text,
      /its dependency #3 is `goal:stuck`, so this goal cannot run until it is done/,
    );
    assert.match(text, /It stays `goal:queued`/);
    assert.match(text, /fix #3 and queue it again \(`goal queue 3`\)/);
    assert.match(text, /remove #3 from this goal's `Depends:` line and its blocked-by links/);
  });

  it("names dependencies in other repositories in full, with the flag to queue them", () => {
    const text = blockedMessage(ref(10), [ref(3), ref(7, "lib"), ref(8)]);
    assert.match(text, /its dependencies #3, octo\/lib#7 and #8 are `goal:stuck`/);
    assert.match(text, /`goal queue 3`, `goal queue 7 --repo octo\/lib` and `goal queue 8`/);
  });
});
