import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLogName, watchRalphsMain } from "../../src/cli/watch-ralphs.js";
import { captureIo } from "../helpers/cli-io.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { bundleRuntimes, run } from "../helpers/runtimes.js";

/**
 * watch-ralphs on a manual clock: it looks at the logs when started and each time the clock
 * reaches its next look, so a test changes the logs, calls `look()` and sees the result at once.
 */
function watch(args: string[], clock = new ManualClock()) {
  const { io, text } = captureIo();
  const stop = new AbortController();
  const watching = watchRalphsMain(args, io, {}, stop.signal, clock);
  /** Resolves once the watcher has finished a look and waits for the clock again. */
  const idle = async () => {
    while (clock.sleepers() === 0) await new Promise((done) => setImmediate(done));
  };
  return {
    text,
    clock,
    /** The first look (at start) is over. */
    started: idle,
    /** Moves the clock to the next look and waits until it is over. */
    look: async () => {
      await clock.next();
      await idle();
    },
    stop: async () => {
      stop.abort();
      return watching;
    },
  };
}

/** Writes a log (or other file) as last written `ageMs` before the clock's time. */
function writeAged(path: string, text: string, clock: ManualClock, ageMs = 0) {
  writeFileSync(path, text);
  const at = new Date(clock.now() - ageMs);
  utimesSync(path, at, at);
}

describe("watch-ralphs", () => {
  let logs: string;
  before(() => {
    logs = mkdtempSync(join(tmpdir(), "watch-ralphs-"));
  });
  after(() => rmSync(logs, { recursive: true, force: true }));

  it("shows the end of recent logs, follows them, and picks up new agents", async () => {
    const dir = join(logs, "follow");
    mkdirSync(dir);
    const clock = new ManualClock();
    const first = join(dir, "acme-my-widgets-12-2.log");
    writeAged(first, "line 1\nline 2\nline 3\n", clock);
    writeAged(join(dir, "acme-widgets-3-1.log"), "finished long ago\n", clock, 86_400_000);
    writeAged(join(dir, "notes.txt"), "not a log\n", clock);

    const watcher = watch(["--log-dir", dir, "--lines", "2"], clock);
    await watcher.started();
    assert.match(watcher.text(), /acme-my-widgets#12 a2 │ line 3\n/, "the tail of the first log");
    assert.doesNotMatch(watcher.text(), /line 1/, "only the last two lines");
    assert.match(watcher.text(), /acme-my-widgets#12 a2 │ line 2\n/);

    appendFileSync(first, "half a li");
    writeAged(join(dir, "acme-widgets-14-1.log"), "agent: started \u001b[31mred\u001b[0m\n", clock);
    await watcher.look();
    assert.match(watcher.text(), /acme-widgets#14 a1 │ agent: started/, "the new log");
    assert.doesNotMatch(watcher.text(), /half a li/, "not a line until it ends");
    appendFileSync(first, "ne\n");
    await watcher.look();
    assert.equal(await watcher.stop(), 0);

    const output = watcher.text();
    assert.match(output, /acme-my-widgets#12 a2 │ half a line\n/, "a line is shown once it ends");
    assert.doesNotMatch(output, /finished long ago/, "logs older than --since are history");
    assert.doesNotMatch(output, /not a log/);
    assert.equal(
      output.includes("\u001b"),
      false,
      "no terminal escapes from an agent reach the screen",
    );
  });

  it("keeps only the goals asked for, and says when nothing is running", async () => {
    const dir = join(logs, "filter");
    mkdirSync(dir);
    const clock = new ManualClock();
    writeAged(join(dir, "acme-widgets-1-1.log"), "one\n", clock);
    writeAged(join(dir, "acme-widgets-2-1.log"), "two\n", clock);
    const watcher = watch(["--log-dir", dir, "--goal", "#2"], clock);
    await watcher.started();
    assert.match(watcher.text(), /acme-widgets#2 a1 │ two\n/);
    await watcher.stop();
    assert.doesNotMatch(watcher.text(), /│ one/);

    const empty = captureIo();
    const quiet = new AbortController();
    quiet.abort();
    await watchRalphsMain(["--log-dir", join(logs, "none")], empty.io, {}, quiet.signal);
    assert.match(empty.text(), /No agent logs written to in the last 1h in .*none; waiting/);
  });

  it("refuses bad flags with every problem named", async () => {
    const { io, text } = captureIo();
    const code = await watchRalphsMain(
      ["--since", "soon", "--lines", "lots", "--goal", "x"],
      io,
      {},
    );
    assert.equal(code, 2);
    assert.match(text(), /--since/);
    assert.match(text(), /--lines: "lots" is not a whole number/);
    assert.match(text(), /--goal: "x" is not an issue number/);
  });

  it("reads goal and attempt from the end of a log's name", () => {
    assert.deepEqual(parseLogName("my-org-my-repo-12-3.log"), {
      repo: "my-org-my-repo",
      goal: 12,
      attempt: 3,
    });
    assert.equal(parseLogName("widgets.log"), null);
  });
});

for (const runtime of bundleRuntimes()) {
  it(`the bundled watch-ralphs starts on ${runtime.name}`, async () => {
    const result = await run(runtime.node, [resolve("dist/watch-ralphs/index.js"), "--help"], {
      env: { PATH: process.env.PATH },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: watch-ralphs/);
  });
}
