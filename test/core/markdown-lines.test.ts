import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyLines } from "../../src/core/markdown-lines.js";

describe("classifyLines", () => {
  it("reads ATX headings with their level, dropping closing hashes", () => {
    const [a, b, c, d, e] = classifyLines(
      "## Title ##\n###### Deep\n####### too deep\n#nospace\n   # Indented",
    );
    assert.deepEqual(a?.heading, { level: 2, title: "Title" });
    assert.deepEqual(b?.heading, { level: 6, title: "Deep" });
    assert.equal(c?.heading, null);
    assert.equal(d?.heading, null);
    assert.deepEqual(e?.heading, { level: 1, title: "Indented" });
  });

  it("marks fenced lines, fences included, until a matching closing fence", () => {
    const lines = classifyLines("a\n````\n```\n## not a heading\n````\nb\n~~~\nc");
    assert.deepEqual(
      lines.map((l) => l.inFence),
      [false, true, true, true, true, false, true, true],
    );
    assert.equal(lines[3]?.heading, null);
  });

  it("does not open a fence for inline code with backticks after the opener", () => {
    const lines = classifyLines("```inline``` text\n## Heading");
    assert.equal(lines[0]?.inFence, false);
    assert.deepEqual(lines[1]?.heading, { level: 2, title: "Heading" });
  });

  it("splits CRLF and LF alike", () => {
    assert.deepEqual(
      classifyLines("a\r\nb\nc").map((l) => l.text),
      ["a", "b", "c"],
    );
  });
});
