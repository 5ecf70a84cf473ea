import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter } from "../../src/agent/lines.js";

/** Feeds the chunks and returns every line, the final one included. */
function split(chunks: (string | Buffer)[], maxChars?: number): string[] {
  const splitter = new LineSplitter(maxChars);
  const lines = chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk)));
  return [...lines, ...splitter.end()];
}

describe("LineSplitter", () => {
  it("splits on \\n and \\r\\n, keeping blank lines", () => {
    assert.deepEqual(split(["a\nb\r\n\n", "c\r\n"]), ["a", "b", "", "c"]);
  });

  it("joins lines across chunks, including a \\r\\n cut in two", () => {
    assert.deepEqual(split(["par", "tial\r", "\nnext\n"]), ["partial", "next"]);
  });

  it("decodes a multi-byte character cut across chunks", () => {
    const bytes = Buffer.from("€uro\n");
    assert.deepEqual(split([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]), [
      "€uro",
    ]);
  });

  it("flushes a last line without a newline, and nothing for empty output", () => {
    assert.deepEqual(split(["one\ntwo"]), ["one", "two"]);
    assert.deepEqual(split(["trailing cr\r"]), ["trailing cr"]);
    assert.deepEqual(split([]), []);
    assert.deepEqual(split(["done\n"]), ["done"]);
  });

  it("splits over-long lines, finished or not, without splitting a surrogate pair", () => {
    assert.deepEqual(split(["abcdefghij\n"], 4), ["abcd", "efgh", "ij"]);
    const splitter = new LineSplitter(4);
    assert.deepEqual(splitter.push(Buffer.from("abcdefghij")), ["abcd", "efgh"]);
    assert.deepEqual(splitter.push(Buffer.from("k\n")), ["ijk"]);
    assert.deepEqual(split(["abc😀def\n"], 4), ["abc", "😀de", "f"]);
  });

  it("bounds what it holds while a line never ends", () => {
    const splitter = new LineSplitter(1024);
    let pieces = 0;
    for (let i = 0; i < 100; i++) pieces += splitter.push(Buffer.alloc(1000, "z")).length;
    assert.equal(pieces, Math.floor(100_000 / 1024));
    assert.deepEqual(
      splitter.end().map((line) => line.length),
      [100_000 % 1024],
    );
  });
});
