import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentStatsOffset, parseAgentStatsLine, readAgentStats } from "../../src/agent/stats.js";

let root: string;
let counter = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), "goal-agent-stats-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

const newFile = (content: string) => {
  const file = join(root, `stats-${++counter}.jsonl`);
  writeFileSync(file, content);
  return file;
};

const FULL = {
  exit_reason: "done",
  iterations: 14,
  tokens: { input: 120000, output: 8000, cache_read: 90000, cache_create: 4000 },
  cost_usd: 1.25,
  time_seconds: { llm: 600.5, tools: 120, other: 10, total: 730.5 },
  lines_added: 210,
  lines_deleted: 35,
};
const line = (value: unknown) => `${JSON.stringify(value)}\n`;

describe("readAgentStats", () => {
  it("types every known field of a full record", async () => {
    const stats = await readAgentStats(newFile(line(FULL)), 0);
    assert.ok(stats);
    const { raw, ...typed } = stats;
    assert.deepEqual(typed, FULL);
    assert.deepEqual(raw, FULL);
  });

  it("records missing and mistyped fields as null, never 0", async () => {
    const stats = await readAgentStats(
      newFile(
        line({
          exit_reason: "timeout",
          iterations: "14",
          tokens: { input: 5, output: null },
          cost_usd: -1,
          time_seconds: "a while",
          lines_added: 0,
          extra: { kept: true },
        }),
      ),
      0,
    );
    assert.ok(stats);
    assert.equal(stats.exit_reason, "timeout");
    assert.equal(stats.iterations, null);
    assert.deepEqual(stats.tokens, {
      input: 5,
      output: null,
      cache_read: null,
      cache_create: null,
    });
    assert.equal(stats.cost_usd, null);
    assert.deepEqual(stats.time_seconds, { llm: null, tools: null, other: null, total: null });
    assert.equal(stats.lines_added, 0);
    assert.equal(stats.lines_deleted, null);
    assert.deepEqual(stats.raw.extra, { kept: true });
  });

  it("keeps an unknown exit reason out of the typed field but in raw", async () => {
    const stats = await readAgentStats(
      newFile(line({ exit_reason: "exploded", iterations: 2 })),
      0,
    );
    assert.equal(stats?.exit_reason, null);
    assert.equal(stats?.raw.exit_reason, "exploded");
    assert.equal(stats?.iterations, 2);
  });

  it("skips garbage lines and returns the last valid record", async () => {
    const file = newFile(
      [
        "not json at all",
        line({ ...FULL, iterations: 1 }).trim(),
        "{ broken json",
        "[1, 2, 3]",
        "null",
        '"a string"',
        line({ ...FULL, iterations: 2 }).trim(),
        "{}",
        '{"unrelated": true}',
        "\u0000\u0001 binary junk",
        "",
      ].join("\r\n"),
    );
    assert.equal((await readAgentStats(file, 0))?.iterations, 2);
  });

  it("only counts lines appended after the offset", async () => {
    const file = newFile(line({ ...FULL, iterations: 1 }) + line({ ...FULL, iterations: 2 }));
    const offset = await agentStatsOffset(file);
    assert.equal(await readAgentStats(file, offset), null, "nothing appended yet");
    appendFileSync(file, "garbage\n");
    assert.equal(await readAgentStats(file, offset), null, "only garbage appended");
    appendFileSync(file, line({ exit_reason: "interrupted" }));
    const stats = await readAgentStats(file, offset);
    assert.equal(stats?.exit_reason, "interrupted");
    assert.equal(stats?.iterations, null, "not taken from an earlier run");
  });

  it("reads a last line that has no newline", async () => {
    const file = newFile(line({ iterations: 1 }) + JSON.stringify({ iterations: 3 }));
    assert.equal((await readAgentStats(file, 0))?.iterations, 3);
  });

  it("reads the whole file when it shrank below the offset (replaced during the run)", async () => {
    const file = newFile(line({ iterations: 9 }));
    assert.equal((await readAgentStats(file, 10_000))?.iterations, 9);
  });

  it("returns null for a missing file, and its offset is 0", async () => {
    const missing = join(root, "missing.jsonl");
    assert.equal(await agentStatsOffset(missing), 0);
    assert.equal(await readAgentStats(missing, 0), null);
  });
});

describe("parseAgentStatsLine", () => {
  it("needs a JSON object with at least one known figure", () => {
    assert.equal(parseAgentStatsLine("{}"), null);
    assert.equal(parseAgentStatsLine('{"iterations": "x"}'), null);
    assert.equal(parseAgentStatsLine('{"lines_deleted": 0}')?.lines_deleted, 0);
    assert.equal(parseAgentStatsLine('  {"cost_usd": 0.5}  ')?.cost_usd, 0.5);
  });
});
