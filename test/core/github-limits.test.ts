import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cutNote,
  fitBody,
  fitTitle,
  GITHUB_LIMITS,
  safePrefix,
} from "../../src/core/github-limits.js";

describe("GitHub limits", () => {
  it("are GitHub's numbers", () => {
    assert.equal(GITHUB_LIMITS.body, 65_536);
    assert.equal(GITHUB_LIMITS.title, 256);
    assert.equal(GITHUB_LIMITS.labelName, 50);
  });
});

describe("fitBody", () => {
  it("leaves text that fits alone, up to exactly the limit", () => {
    assert.equal(fitBody("short"), "short");
    const exact = "x".repeat(GITHUB_LIMITS.body);
    assert.equal(fitBody(exact), exact);
  });

  it("cuts longer text to the limit and ends it with the note", () => {
    const note = cutNote("#12");
    const fitted = fitBody("y".repeat(70_000), GITHUB_LIMITS.body, note);
    assert.equal(fitted.length, GITHUB_LIMITS.body);
    assert.ok(fitted.endsWith(note));
    assert.match(note, /cut to fit GitHub's 65,536-character limit; the full text is in #12\)$/);
    assert.ok(fitted.startsWith("yyyy"));
  });

  it("uses a default note naming the limit", () => {
    const fitted = fitBody("z".repeat(200), 100);
    assert.ok(fitted.length <= 100);
    assert.match(fitted, /^z+\n\n… \(cut to fit GitHub's 100-character limit\)$/);
  });

  it("never cuts inside a surrogate pair", () => {
    const note = "[cut]";
    // "😀" is two code units; put one where the cut falls.
    for (const offset of [0, 1]) {
      const text = `${"a".repeat(94 + offset)}${"😀".repeat(10)}`;
      const fitted = fitBody(text, 100, note);
      assert.ok(fitted.length <= 100);
      assert.ok(fitted.endsWith(note));
      const kept = fitted.slice(0, -note.length);
      assert.equal(Buffer.from(kept, "utf8").toString("utf8"), kept);
      assert.doesNotMatch(kept, /[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });

  it("returns the note alone (cut) when even it does not fit", () => {
    assert.equal(fitBody("x".repeat(50), 10, "0123456789abc"), "0123456789");
  });
});

describe("fitTitle", () => {
  it("leaves a title up to the limit alone", () => {
    const exact = "t".repeat(256);
    assert.equal(fitTitle(exact), exact);
  });

  it("cuts a longer title to the limit, ending it with an ellipsis", () => {
    const fitted = fitTitle("t".repeat(1000));
    assert.equal(fitted.length, 256);
    assert.ok(fitted.endsWith("…"));
  });

  it("keeps surrogate pairs whole", () => {
    const fitted = fitTitle(`${"a".repeat(254)}😀😀`);
    assert.equal(fitted, `${"a".repeat(254)}…`);
  });
});

describe("safePrefix", () => {
  it("backs off one code unit rather than split a pair", () => {
    assert.equal(safePrefix("a😀", 2), "a");
    assert.equal(safePrefix("a😀", 3), "a😀");
    assert.equal(safePrefix("abc", 0), "");
  });
});
