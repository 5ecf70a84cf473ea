import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLogName, watchRalphsMain } from "../../src/cli/watch-ralphs.js";
import { captureIo } from "../helpers/cli-io.js";
import { bundleRuntimes, run } from "../helpers/runtimes.js";

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(condition(), `timed out waiting for ${what}`);
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
    const first = join(dir, "acme-my-widgets-12-2.log");
    writeFileSync(first, "line 1\nline 2\nline 3\n");
    const old = join(dir, "acme-widgets-3-1.log");
    writeFileSync(old, "finished long ago\n");
    const dayAgo = new Date(Date.now() - 86_400_000);
    utimesSync(old, dayAgo, dayAgo);
    writeFileSync(join(dir, "notes.txt"), "not a log\n");

    const { io, text } = captureIo();
    const stop = new AbortController();
    const watching = watchRalphsMain(["--log-dir", dir, "--lines", "2"], io, {}, stop.signal);
    await until(() => text().includes("line 3"), "the tail of the first log");
    assert.doesNotMatch(text(), /line 1/, "only the last two lines");
    assert.match(text(), /acme-my-widgets#12 a2 │ line 2\n/);

    appendFileSync(first, "half a li");
    const second = join(dir, "acme-widgets-14-1.log");
    writeFileSync(second, "agent: started \u001b[31mred\u001b[0m\n");
    await until(() => text().includes("acme-widgets#14 a1 │ agent: started"), "the new log");
    appendFileSync(first, "ne\n");
    await until(() => text().includes("half a line"), "the line completed later");
    stop.abort();
    assert.equal(await watching, 0);

    const output = text();
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
    writeFileSync(join(dir, "acme-widgets-1-1.log"), "one\n");
    writeFileSync(join(dir, "acme-widgets-2-1.log"), "two\n");
    const { io, text } = captureIo();
    const stop = new AbortController();
    const watching = watchRalphsMain(["--log-dir", dir, "--goal", "#2"], io, {}, stop.signal);
    await until(() => text().includes("two"), "goal 2");
    stop.abort();
    await watching;
    assert.doesNotMatch(text(), /│ one/);

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
