import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ClaimMarker,
  decodeMarkers,
  encodeMarker,
  type FeedbackMarker,
  MARKER_SCHEMA_VERSION,
  type Marker,
  type RunResultMarker,
  type TransitionMarker,
  trustedMarkers,
} from "../../src/core/markers.js";

const claim: ClaimMarker = {
  kind: "claim",
  attempt: 2,
  claimedBy: {
    runId: "123456789012",
    runUrl: "https://github.com/o/r/actions/runs/1",
    host: "box-1",
    pid: 42,
  },
  claimedAt: "2025-01-01T10:00:00.000Z",
  leaseExpiresAt: "2025-01-01T14:10:00.000Z",
};
const result: RunResultMarker = {
  kind: "run-result",
  attempt: 2,
  outcome: "failure",
  reason: "no changes -- agent gave up -->",
  countsAsAttempt: true,
  prUrl: "https://github.com/o/r/pull/9",
  logTail: "line 1\nline 2 <!-- nested --> end",
  stats: { wall_seconds: 12, tokens: { input: 1 }, note: "a--b" },
};
const transition: TransitionMarker = {
  kind: "transition",
  from: null,
  to: "queued",
  reason: "created",
  attempt: 1,
};
const feedback: FeedbackMarker = {
  kind: "feedback",
  attempt: 1,
  source: "reject",
  text: "Use the --force flag",
};
const all: Marker[] = [claim, result, transition, feedback];

const line = (json: string, version = 1) => `<!-- goal-orchestrator:v${version} ${json} -->`;

describe("encodeMarker", () => {
  it("writes one HTML comment line with the schema version", () => {
    const text = encodeMarker(feedback);
    assert.match(text, /^<!-- goal-orchestrator:v1 \{.*\} -->$/);
    assert.ok(!text.includes("\n"));
    assert.equal(MARKER_SCHEMA_VERSION, 1);
    assert.ok(text.includes('"v":1'));
  });

  it("never lets a string end the comment early", () => {
    for (const marker of all) {
      const text = encodeMarker(marker);
      const inner = text.slice("<!--".length, -"-->".length);
      assert.ok(!inner.includes("--"), text);
      assert.ok(!inner.includes(">"), text);
    }
    assert.ok(encodeMarker(result).includes("\\u002d\\u002d"));
  });

  it("keeps negative numbers and exponents valid", () => {
    const marker = { ...result, stats: { delta: -5, tiny: 1e-9, text: "x-y" } };
    assert.deepEqual(decodeMarkers(encodeMarker(marker)), [marker]);
  });
});

describe("decodeMarkers", () => {
  it("round-trips every kind, in order, from a comment with prose around", () => {
    const body = ["Claimed by run 1.", ...all.map(encodeMarker), "", "Thanks"].join("\n");
    assert.deepEqual(decodeMarkers(body), all);
  });

  it("round-trips strings with backslashes, quotes and unicode", () => {
    const marker: FeedbackMarker = { ...feedback, text: 'a\\-b "q" \\\\-- ✓ \u0000 -->' };
    assert.deepEqual(decodeMarkers(encodeMarker(marker)), [marker]);
  });

  it("drops optional fields of the wrong type but keeps the marker", () => {
    const json = JSON.stringify({
      ...claim,
      claimedBy: { runId: 77, host: 5, pid: "x", runUrl: null },
    });
    assert.deepEqual(decodeMarkers(line(json)), [{ ...claim, claimedBy: { runId: "77" } }]);
  });

  it("skips malformed JSON, unknown kinds and markers missing required fields", () => {
    const bad = [
      line("{not json}"),
      line(JSON.stringify({ kind: "vote", attempt: 1 })),
      line(JSON.stringify({ ...claim, attempt: 0 })),
      line(JSON.stringify({ ...claim, claimedAt: "yesterday" })),
      line(JSON.stringify({ ...claim, claimedBy: undefined })),
      line(JSON.stringify({ ...result, outcome: "meh" })),
      line(JSON.stringify({ ...result, countsAsAttempt: "yes" })),
      line(JSON.stringify({ ...transition, to: "goal:queued" })),
      line(JSON.stringify({ ...transition, from: "nowhere" })),
      line(JSON.stringify({ ...feedback, source: "email" })),
      line(JSON.stringify({ ...feedback, text: 1 })),
      line("[1,2]"),
      `text before ${line(JSON.stringify(feedback))}`,
      `> ${line(JSON.stringify(feedback))}`,
      `<!-- other-tool:v1 ${JSON.stringify(feedback)} -->`,
    ].join("\n");
    assert.deepEqual(decodeMarkers(bad), []);
  });

  it("keeps markers from newer schema versions when their required fields parse", () => {
    const future = JSON.stringify({ v: 2, ...feedback, newField: { x: 1 } });
    assert.deepEqual(decodeMarkers(line(future, 2)), [feedback]);
    assert.deepEqual(decodeMarkers(line(JSON.stringify({ v: 2, kind: "feedback" }), 2)), []);
  });

  it("never throws, whatever the input", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = [
      "<",
      "!",
      "-",
      " ",
      "{",
      "}",
      '"',
      ":",
      "\\",
      "\n",
      "g",
      "v",
      "1",
      "a",
      ",",
      "[",
      "]",
      ">",
    ];
    const encoded = all.map(encodeMarker);
    for (let i = 0; i < 2000; i++) {
      const source = encoded[i % encoded.length] ?? "";
      const truncated = source.slice(0, Math.floor(random() * source.length));
      let noise = "";
      for (let j = 0; j < 40; j++) noise += alphabet[Math.floor(random() * alphabet.length)];
      const mutated = source.replace(/./gu, (char) =>
        random() < 0.05 ? (noise[0] ?? char) : char,
      );
      for (const text of [truncated, noise, mutated, `<!-- goal-orchestrator:v1 ${noise} -->`]) {
        const markers = decodeMarkers(text);
        assert.ok(Array.isArray(markers));
      }
    }
    for (const odd of [undefined, null, 42, {}] as unknown as string[])
      assert.deepEqual(decodeMarkers(odd), []);
  });
});

describe("trustedMarkers", () => {
  const bot = "github-actions[bot]";
  const comments = [
    { author: bot, createdAt: "2025-01-01T12:00:00Z", body: encodeMarker(result) },
    { author: "mallory", createdAt: "2025-01-01T09:00:00Z", body: encodeMarker(claim) },
    { author: "GitHub-Actions[bot]", createdAt: "2025-01-01T10:00:00Z", body: encodeMarker(claim) },
    {
      author: bot,
      createdAt: "2025-01-01T12:00:00Z",
      body: `${encodeMarker(transition)}\n${encodeMarker(feedback)}`,
    },
    { author: bot, createdAt: "2025-01-01T11:00:00Z", body: "plain comment" },
  ];

  it("keeps only markers by trusted authors (any case), oldest first, with createdAt", () => {
    const markers = trustedMarkers(comments, new Set([bot]));
    assert.deepEqual(markers, [
      { ...claim, createdAt: "2025-01-01T10:00:00Z" },
      { ...result, createdAt: "2025-01-01T12:00:00Z" },
      { ...transition, createdAt: "2025-01-01T12:00:00Z" },
      { ...feedback, createdAt: "2025-01-01T12:00:00Z" },
    ]);
  });

  it("ignores a human pasting a marker", () => {
    assert.deepEqual(trustedMarkers(comments, new Set(["someone-else"])), []);
    assert.equal(trustedMarkers(comments, new Set(["MALLORY"])).length, 1);
  });

  it("orders by time, not by text, and puts unreadable times last", () => {
    const markers = trustedMarkers(
      [
        { author: "a", createdAt: "not a time", body: encodeMarker(feedback) },
        { author: "a", createdAt: "2025-01-01T10:00:00.500+00:00", body: encodeMarker(result) },
        { author: "a", createdAt: "2025-01-01T11:00:00+02:00", body: encodeMarker(claim) },
      ],
      new Set(["a"]),
    );
    assert.deepEqual(
      markers.map((m) => m.kind),
      ["claim", "run-result", "feedback"],
    );
  });

  it("dates a marker added by an edit by its own time, within the comment's life", () => {
    const added = (at: string) => ({ ...result, at });
    const claimComment = (at: string) => ({
      author: "a",
      createdAt: "2025-01-01T10:00:00.000Z",
      updatedAt: "2025-01-01T12:00:00.000Z",
      body: `${encodeMarker(claim)}\n${encodeMarker(added(at))}`,
    });
    const later = {
      author: "a",
      createdAt: "2025-01-01T11:00:00.000Z",
      body: encodeMarker(feedback),
    };
    const read = (at: string) => trustedMarkers([claimComment(at), later], new Set(["a"]));
    // Its own time orders it after a comment written between its comment and it.
    assert.deepEqual(
      read("2025-01-01T11:30:00.000Z").map((m) => [m.kind, m.createdAt]),
      [
        ["claim", "2025-01-01T10:00:00.000Z"],
        ["feedback", "2025-01-01T11:00:00.000Z"],
        ["run-result", "2025-01-01T11:30:00.000Z"],
      ],
    );
    // A writer's clock cannot place it before its comment nor after the comment's last edit.
    assert.equal(read("2024-12-31T00:00:00.000Z")[1]?.createdAt, "2025-01-01T10:00:00.000Z");
    assert.equal(read("2025-01-02T00:00:00.000Z")[2]?.createdAt, "2025-01-01T12:00:00.000Z");
    assert.equal(read("not a time")[1]?.createdAt, "2025-01-01T10:00:00.000Z");
  });
});
