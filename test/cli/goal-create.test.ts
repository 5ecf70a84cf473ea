import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { goalCreateMain } from "../../src/cli/goal-create.js";
import { MAX_STDIN_BYTES, readStream } from "../../src/cli/io.js";
import { UserError } from "../../src/core/errors.js";
import { CREATE_OVERHEAD } from "../../src/flows/create-goal.js";
import { captureIo } from "../helpers/cli-io.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";
import { run } from "../helpers/runtimes.js";

const ENTRYPOINT = resolve("src/entrypoints/goal-create.ts");
const LIMIT = 65_536 - CREATE_OVERHEAD;

/** A legal goal body of exactly `length` characters. */
function bodyOf(length: number): string {
  const head = "## Objective\nExport the widget list as CSV.\n\n";
  const tail = "\n\n## Acceptance\n- `widgets export --csv` prints one line per widget";
  return head + "x".repeat(length - head.length - tail.length) + tail;
}

const later = <T>(ms: number, value: T) =>
  new Promise<T>((resolvePromise) => setTimeout(() => resolvePromise(value), ms));

describe("goal-create: sizes and standard input", () => {
  let gh: GitHubFixture;
  let saved: NodeJS.ProcessEnv;
  const issuesCreated = () =>
    gh.server.requests.filter((r) => r.operationId === "issues/create" && r.status === 201).length;

  beforeEach(async () => {
    gh = await startGitHubFixture();
    saved = { ...process.env };
    delete process.env.GH_TOKEN;
    Object.assign(process.env, {
      GITHUB_TOKEN: gh.env.GITHUB_TOKEN,
      GITHUB_API_URL: gh.env.GITHUB_API_URL,
      GITHUB_REPOSITORY: gh.env.GITHUB_REPOSITORY,
      GOAL_ORCHESTRATOR_PACE_MS: gh.env.GOAL_ORCHESTRATOR_PACE_MS,
    });
  });
  afterEach(async () => {
    process.env = saved;
    await gh.close();
  });

  it("waits for standard input that arrives late and creates the goal", async () => {
    const cli = captureIo(() => later(300, GOAL_BODY));
    const code = await goalCreateMain(["--title", "Late body", "--json"], cli.io);
    assert.equal(code, 0, cli.err());
    const { number } = JSON.parse(cli.out()) as { number: number };
    assert.match(gh.server.getIssue("acme", "widgets", number)?.body ?? "", /widget list as CSV/);
  });

  it("creates a body of exactly the room left by the request id, GitHub accepting it", async () => {
    const cli = captureIo(async () => bodyOf(LIMIT));
    const code = await goalCreateMain(["--title", "Largest body", "--json"], cli.io);
    assert.equal(code, 0, cli.err());
    const { number } = JSON.parse(cli.out()) as { number: number };
    assert.equal(gh.server.getIssue("acme", "widgets", number)?.body?.length, 65_536);
  });

  it("refuses a body one character over, naming the input, its size and the limit", async () => {
    const cli = captureIo(async () => bodyOf(LIMIT + 1));
    const code = await goalCreateMain(["--title", "Too big"], cli.io);
    assert.equal(code, 2);
    const limit = LIMIT.toLocaleString("en-US");
    const size = (LIMIT + 1).toLocaleString("en-US");
    assert.match(
      cli.err(),
      new RegExp(
        `^goal-create: standard input: the goal body is ${size} characters; at most ${limit} fit`,
      ),
    );
    assert.match(cli.err(), /Nothing was created/);
    assert.doesNotMatch(cli.err(), /unexpected error|\n\s+at /);
    assert.equal(issuesCreated(), 0);
  });

  it("refuses a 1 MB body from --body-file without a stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goal-create-"));
    try {
      const file = join(dir, "goal.md");
      writeFileSync(file, bodyOf(1_000_000));
      const cli = captureIo();
      const code = await goalCreateMain(["--title", "Huge", "--body-file", file], cli.io);
      assert.equal(code, 2);
      assert.match(cli.err(), /--body-file .*goal\.md: the goal body is 1,000,000 characters/);
      assert.equal(issuesCreated(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts the Story: line it writes into the body against the limit", async () => {
    const story = await gh.client.rest.issues.create({
      owner: "acme",
      repo: "widgets",
      title: "Story",
      labels: ["story"],
    });
    const cli = captureIo(async () => bodyOf(LIMIT));
    const code = await goalCreateMain(
      ["--title", "Full body", "--story", String(story.data.number)],
      cli.io,
    );
    assert.equal(code, 2);
    assert.match(cli.err(), /the orchestrator adds \d+ of its own\)\. Nothing was created\./);
    assert.equal(issuesCreated(), 1, "only the story");
  });

  it("refuses a title over 256 characters, naming the flag, before creating anything", async () => {
    const cli = captureIo(async () => GOAL_BODY);
    const code = await goalCreateMain(["--title", "t".repeat(1000)], cli.io);
    assert.equal(code, 2);
    assert.match(
      cli.err(),
      /^goal-create: --title: the title is 1,000 characters; GitHub accepts at most 256\./,
    );
    assert.equal(issuesCreated(), 0);
    const exact = captureIo(async () => GOAL_BODY);
    assert.equal(await goalCreateMain(["--title", "t".repeat(256)], exact.io), 0, exact.err());
    assert.equal(issuesCreated(), 1);
  });

  describe("as a real process reading a pipe", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "goal-create-pipe-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** `{ sleep 0.3; cat FILE; } | goal-create ARGS`: a shell pipe whose writer starts late. */
    function pipedLate(body: string, args: string[]) {
      const file = join(dir, `body-${body.length}.md`);
      writeFileSync(file, body);
      const script = `{ sleep 0.3; cat "$0"; } | "${process.execPath}" --import tsx "${ENTRYPOINT}" "$@"`;
      return run("sh", ["-c", script, file, ...args], { env: gh.env, cwd: resolve(".") });
    }

    it("reads 200 KB written 300 ms late without EAGAIN, then refuses it for its size", async () => {
      const result = await pipedLate(bodyOf(200_000), ["--title", "Piped big"]);
      assert.equal(result.code, 2, result.stderr);
      assert.doesNotMatch(result.stderr, /EAGAIN|unexpected error/);
      assert.match(
        result.stderr,
        /goal-create: standard input: the goal body is 200,000 characters; at most [\d,]+ fit/,
      );
      assert.equal(issuesCreated(), 0);
    });

    it("creates a legal 60 KB body piped 300 ms late", async () => {
      const result = await pipedLate(bodyOf(60_000), ["--title", "Piped 60 KB", "--json"]);
      assert.equal(result.code, 0, result.stderr);
      const { number } = JSON.parse(result.stdout) as { number: number };
      assert.equal(
        gh.server.getIssue("acme", "widgets", number)?.body?.length,
        60_000 + CREATE_OVERHEAD,
      );
    });
  });
});

describe("readStream", () => {
  it("joins chunks of any size, split anywhere in a UTF-8 character", async () => {
    const text = `${"é".repeat(70_000)}😀`;
    const bytes = Buffer.from(text, "utf8");
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 65_537), bytes.subarray(65_537)];
    assert.equal(await readStream(Readable.from(chunks)), text);
  });

  it("stops past 4 MiB with a UserError naming the limit", async () => {
    let served = 0;
    async function* endless() {
      for (;;) {
        served++;
        yield Buffer.alloc(1024 * 1024, 0x61);
      }
    }
    await assert.rejects(readStream(endless()), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /body is too large \(over 4,194,304 bytes/);
      return true;
    });
    assert.equal(MAX_STDIN_BYTES, 4 * 1024 * 1024);
    assert.equal(served, 5);
  });
});
