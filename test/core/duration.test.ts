import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration, tryParseDuration } from "../../src/core/duration.js";
import { UserError } from "../../src/core/errors.js";

describe("parseDuration", () => {
  for (const [text, seconds] of [
    ["90m", 5400],
    ["4h", 14400],
    ["1h30m", 5400],
    ["45s", 45],
    ["2h15m30s", 8130],
    ["1H30M", 5400],
    ["  10m ", 600],
    ["1h 30m", 5400],
    ["0h5m", 300],
    ["1m0s", 60],
  ] as const) {
    it(`reads ${JSON.stringify(text)} as ${seconds}s`, () =>
      assert.equal(parseDuration(text), seconds));
  }

  for (const text of [
    "",
    " ",
    "0",
    "0m",
    "4x",
    "-1h",
    "1d",
    "1.5h",
    "30m1h",
    "1h1h",
    "1 30m",
    "h",
    "1hm",
    "m30",
  ]) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.equal(tryParseDuration(text), null);
      assert.throws(() => parseDuration(text), UserError);
    });
  }

  it("names the key and the bad value and shows the accepted forms", () => {
    assert.throws(() => parseDuration("4x"), {
      message:
        'Invalid duration for "duration": "4x". Use hours, minutes and seconds like 90m, 4h or 1h30m.',
    });
    assert.throws(
      () => parseDuration("4x", "idle-timeout"),
      /Invalid duration for "idle-timeout": "4x"\./,
    );
  });

  it("asks for a unit after a bare number and for more than zero", () => {
    assert.throws(() => parseDuration("90"), /Add a unit, like 90m\.$/);
    assert.throws(() => parseDuration("0"), /longer than zero\.$/);
    assert.throws(() => parseDuration("0h0m"), /longer than zero\.$/);
  });
});

describe("formatDuration", () => {
  it("writes the shortest form, omitting zero parts", () => {
    assert.equal(formatDuration(5400), "1h30m");
    assert.equal(formatDuration(45), "45s");
    assert.equal(formatDuration(14400), "4h");
    assert.equal(formatDuration(3601), "1h1s");
    assert.equal(formatDuration(0), "0s");
    assert.equal(formatDuration(59.6), "1m");
  });

  it("round-trips with parseDuration", () => {
    for (const seconds of [1, 59, 60, 61, 3599, 3600, 8130, 90000]) {
      assert.equal(parseDuration(formatDuration(seconds)), seconds);
    }
  });
});
