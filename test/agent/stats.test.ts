import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentStatsOffset, readAgentStatsFile, readAgentStatsLine } from "../../src/agent/stats.js";

/** The last record's figures when it is valid, else null. */
const readAgentStats = async (file: string, offset: number) =>
  (await readAgentStatsFile(file, offset))?.stats ?? null;
const parseAgentStatsLine = (line: string) => readAgentStatsLine(line)?.stats ?? null;

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
          tokens: { input: 5, output: null },
          cost_usd: null,
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

describe("invalid stats", () => {
  const costs: Array<[string, string]> = [
    ["-1", "-1"],
    ["NaN", "NaN"],
    ["Infinity", "Infinity"],
    ["1e999", "Infinity"],
    ['"0.42"', '"0.42"'],
    ["1e12", "1000000000000"],
    ["10000.5", "10000.5"],
  ];
  for (const [written, shown] of costs) {
    it(`a cost_usd of ${written} makes the record invalid, naming the field, value and range`, async () => {
      const text = line(FULL).replace('"cost_usd":1.25', `"cost_usd":${written}`);
      assert.notEqual(text, line(FULL));
      const read = await readAgentStatsFile(newFile(text), 0);
      assert.equal(read?.stats, null);
      assert.deepEqual(read?.problems, [
        `cost_usd is ${shown}; accepted: a number from 0 to 10,000 (USD), or null for unknown`,
      ]);
      assert.equal(await readAgentStats(newFile(text), 0), null);
    });
  }

  it("absurd or broken token counts and iterations make it invalid too", () => {
    const read = readAgentStatsLine(
      JSON.stringify({ ...FULL, iterations: "14", tokens: { ...FULL.tokens, output: 1e15 } }),
    );
    assert.deepEqual(read?.problems, [
      'iterations is "14"; accepted: a whole number from 0 to 1,000,000 (iterations), or null for unknown',
      "tokens.output is 1000000000000000; accepted: a whole number from 0 to 100,000,000,000 (tokens), or null for unknown",
    ]);
    assert.equal(readAgentStatsLine('{"tokens": {"input": -3}}')?.stats, null);
    assert.equal(readAgentStatsLine('{"tokens": "lots"}')?.stats, null);
  });

  it("the last stats record decides: an invalid one is not passed over for an earlier one", async () => {
    const file = newFile(`${line(FULL)}{"cost_usd": NaN, "iterations": 2}\ngarbage\n`);
    const read = await readAgentStatsFile(file, 0);
    assert.equal(read?.stats, null);
    assert.equal(read?.problems.length, 1);
    const later = newFile(`{"cost_usd": -5}\n${line(FULL)}`);
    assert.equal((await readAgentStatsFile(later, 0))?.stats?.cost_usd, 1.25);
  });

  it("reads bare NaN and Infinity (as Python writes them), but not inside strings", () => {
    const read = readAgentStatsLine('{"note": "say \\"NaN\\" Infinity", "cost_usd": NaN}');
    assert.deepEqual(read?.problems, [
      "cost_usd is NaN; accepted: a number from 0 to 10,000 (USD), or null for unknown",
    ]);
    assert.equal(readAgentStatsLine('{"iterations": -Infinity}')?.problems.length, 1);
    assert.equal(readAgentStatsLine('{"iterations": NaNa}'), null, "not JSON at all");
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
