import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  lastWriters,
  type TextHistory,
  textFingerprint,
  type VouchRules,
  vouchFor,
} from "../../src/core/vouching.js";

const MAINTAINERS = new Set(["maya", "max"]);

function rules(asked: string[] = []): VouchRules {
  return {
    label: "goal:queued",
    ownIdentities: new Set(["octo-bot", "github-actions[bot]"]),
    canWrite: async (login) => {
      asked.push(login);
      return MAINTAINERS.has(login);
    },
  };
}

function history(overrides: Partial<TextHistory> = {}): TextHistory {
  return {
    number: 7,
    title: "Add CSV export",
    body: "## Objective\nx\n## Acceptance\n- y",
    author: "maya",
    createdAt: "2026-11-30T10:00:00Z",
    bodyEdit: null,
    titleEdit: null,
    labelled: [],
    ...overrides,
  };
}

describe("vouchFor", () => {
  it("trusts text a maintainer wrote, and text the orchestrator wrote without asking GitHub", async () => {
    assert.deepEqual(await vouchFor(history(), rules()), {
      vouched: true,
      by: "maya",
      how: "wrote",
    });
    const asked: string[] = [];
    const byBot = await vouchFor(history({ author: "Octo-Bot" }), rules(asked));
    assert.equal(byBot.vouched, true);
    assert.deepEqual(asked, []);
  });

  it("refuses an outsider's issue nobody queued, naming the writers", async () => {
    const verdict = await vouchFor(history({ author: "olly" }), rules());
    assert.deepEqual(verdict, {
      vouched: false,
      writers: [
        { part: "title", login: "olly", at: "2026-11-30T10:00:00Z" },
        { part: "body", login: "olly", at: "2026-11-30T10:00:00Z" },
      ],
    });
  });

  it("accepts an outsider's issue a maintainer queued after it was written", async () => {
    const verdict = await vouchFor(
      history({
        author: "olly",
        labelled: [{ label: "goal:queued", by: "max", at: "2026-11-30T10:05:00Z" }],
      }),
      rules(),
    );
    assert.deepEqual(verdict, { vouched: true, by: "max", how: "queued" });
  });

  it("refuses an outsider's body edit made after the maintainer queued it", async () => {
    const verdict = await vouchFor(
      history({
        author: "olly",
        labelled: [{ label: "goal:queued", by: "max", at: "2026-11-30T10:05:00Z" }],
        bodyEdit: { by: "olly", at: "2026-11-30T10:06:00Z" },
      }),
      rules(),
    );
    assert.equal(verdict.vouched, false);
    // The title, written before the label, is vouched for; the body edit after it is not.
    assert.deepEqual(
      !verdict.vouched && verdict.writers.map((writer) => `${writer.part}:${writer.at}`),
      ["body:2026-11-30T10:06:00Z"],
    );
  });

  it("refuses an outsider's title edit of a maintainer's goal, and accepts it once re-queued", async () => {
    const renamed = history({ titleEdit: { by: "olly", at: "2026-11-30T11:00:00Z" } });
    const refused = await vouchFor(renamed, rules());
    assert.deepEqual(!refused.vouched && refused.writers, [
      { part: "title", login: "olly", at: "2026-11-30T11:00:00Z" },
    ]);
    const requeued = await vouchFor(
      { ...renamed, labelled: [{ label: "goal:queued", by: "maya", at: "2026-11-30T11:00:01Z" }] },
      rules(),
    );
    assert.deepEqual(requeued, { vouched: true, by: "maya", how: "queued" });
  });

  it("keeps a maintainer's edit trusted: the last writer decides", async () => {
    const verdict = await vouchFor(
      history({ author: "olly", bodyEdit: { by: "max", at: "2026-11-30T12:00:00Z" } }),
      rules(),
    );
    // The title is still the outsider's as written.
    assert.equal(verdict.vouched, false);
    const both = await vouchFor(
      history({
        author: "olly",
        bodyEdit: { by: "max", at: "2026-11-30T12:00:00Z" },
        titleEdit: { by: "maya", at: "2026-11-30T12:00:00Z" },
      }),
      rules(),
    );
    assert.equal(both.vouched, true);
  });

  it("does not count the orchestrator's own re-queue, another label, or a label in the same second", async () => {
    for (const labelled of [
      [{ label: "goal:queued", by: "github-actions[bot]", at: "2026-11-30T10:09:00Z" }],
      [{ label: "bug", by: "max", at: "2026-11-30T10:09:00Z" }],
      [{ label: "goal:queued", by: "max", at: "2026-11-30T10:06:00Z" }],
      [{ label: "goal:queued", by: "olly", at: "2026-11-30T10:09:00Z" }],
    ]) {
      const verdict = await vouchFor(
        history({ bodyEdit: { by: "olly", at: "2026-11-30T10:06:00Z" }, labelled }),
        rules(),
      );
      assert.equal(verdict.vouched, false, JSON.stringify(labelled));
    }
  });

  it("counts a label by the orchestrator's own account when that account is a person's", async () => {
    const verdict = await vouchFor(
      history({
        author: "olly",
        labelled: [{ label: "goal:queued", by: "maya", at: "2026-11-30T10:09:00Z" }],
      }),
      { ...rules(), ownIdentities: new Set(["maya", "github-actions[bot]"]) },
    );
    assert.deepEqual(verdict, { vouched: true, by: "maya", how: "queued" });
  });

  it("asks about each login it needs, newest queue event first", async () => {
    const asked: string[] = [];
    await vouchFor(
      history({
        author: "olly",
        labelled: [
          { label: "goal:queued", by: "nina", at: "2026-11-30T10:01:00Z" },
          { label: "goal:queued", by: "max", at: "2026-11-30T10:02:00Z" },
        ],
      }),
      rules(asked),
    );
    assert.deepEqual(asked, ["olly", "olly", "max"]);
  });
});

describe("lastWriters", () => {
  it("falls back to the author for parts never edited", () => {
    assert.deepEqual(
      lastWriters(history({ bodyEdit: { by: "max", at: "2026-11-30T12:00:00Z" } })).map(
        (writer) => writer.login,
      ),
      ["maya", "max"],
    );
  });
});

describe("textFingerprint", () => {
  it("changes with the title or the body, not with line endings", () => {
    const base = textFingerprint("T", "a\nb");
    assert.equal(textFingerprint("T", "a\r\nb"), base);
    assert.notEqual(textFingerprint("T ", "a\nb"), base);
    assert.notEqual(textFingerprint("T", "a\nb\u200b"), base);
    // Title and body cannot trade characters without changing the fingerprint.
    assert.notEqual(textFingerprint("Ta", "\nb"), base);
  });
});
