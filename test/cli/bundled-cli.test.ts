import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";
import { bundleRuntimes, run } from "../helpers/runtimes.js";

// The CLIs as users get them: the committed ncc bundles, run as real processes, under every
// Node version they must support, against the local GitHub API test server.
const GOAL_CREATE = resolve("dist/goal-create/index.js");
const GOAL = resolve("dist/goal/index.js");

for (const runtime of bundleRuntimes()) {
  describe(`bundled CLIs on ${runtime.name}`, () => {
    let gh: GitHubFixture;
    let work: string;
    const goalCreate = (args: string[], input = GOAL_BODY, env = gh.env) =>
      run(runtime.node, [GOAL_CREATE, ...args], { env, input, cwd: work });
    const goal = (args: string[], env = gh.env) =>
      run(runtime.node, [GOAL, ...args], { env, cwd: work });
    const issuesCreated = () =>
      gh.server.requests.filter((r) => r.operationId === "issues/create" && r.status === 201)
        .length;

    before(() => {
      work = mkdtempSync(join(tmpdir(), "goal-cli-"));
    });
    after(() => rmSync(work, { recursive: true, force: true }));
    beforeEach(async () => {
      gh = await startGitHubFixture();
    });
    afterEach(() => gh.close());

    it("creates a story's goals, queues, lists in FIFO order and shows them", async () => {
      const story = await gh.client.rest.issues.create({
        owner: "acme",
        repo: "widgets",
        title: "CSV story",
        labels: ["story"],
      });
      const first = await goalCreate([
        "--story",
        String(story.data.number),
        "--title",
        "Parse widgets",
        "--queue",
        "--json",
      ]);
      assert.equal(first.code, 0, first.stderr);
      const parsed = JSON.parse(first.stdout) as {
        number: number;
        url: string;
        state: string;
        warnings: string[];
      };
      assert.equal(parsed.state, "queued");
      assert.deepEqual(parsed.warnings, []);

      const bodyFile = join(work, "goal.md");
      writeFileSync(bodyFile, GOAL_BODY);
      const second = await goalCreate(
        [
          "--story",
          `#${story.data.number}`,
          "--title",
          "Export CSV",
          "--depends",
          String(parsed.number),
          "--body-file",
          bodyFile,
        ],
        "",
      );
      assert.equal(second.code, 0, second.stderr);
      const secondUrl = second.stdout.trim();
      assert.match(secondUrl, /^http:\/\/127\.0\.0\.1:\d+\/acme\/widgets\/issues\/\d+$/);
      const secondNumber = Number(secondUrl.split("/").pop());

      const queued = await goal(["queue", String(secondNumber)]);
      assert.equal(queued.code, 0, queued.stderr);
      assert.match(queued.stdout, /goal:draft → goal:queued/);

      const list = await goal(["list", "queued", "--json"]);
      assert.equal(list.code, 0, list.stderr);
      const listed = JSON.parse(list.stdout) as Array<{ number: number; state: string }>;
      assert.deepEqual(
        listed.map((entry) => [entry.number, entry.state]),
        [
          [parsed.number, "queued"],
          [secondNumber, "queued"],
        ],
      );

      const show = await goal(["show", String(secondNumber)]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /^#\d+ Export CSV$/m);
      assert.match(show.stdout, new RegExp(`^depends:\\s+#${parsed.number}$`, "m"));
      assert.match(show.stdout, new RegExp(`^story:\\s+#${story.data.number}$`, "m"));
      assert.match(show.stdout, /draft → queued: queued by @maintainer/);
    });

    const refusals: Array<{
      name: string;
      args: string[];
      input?: string;
      env?: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
      message: RegExp;
    }> = [
      { name: "no title", args: [], message: /--title is required/ },
      {
        name: "a body without sections",
        args: ["--title", "x"],
        input: "just words",
        message: /Objective[\s\S]*Acceptance/,
      },
      {
        name: "a story that does not exist",
        args: ["--title", "x", "--story", "404"],
        message: /Story #404 does not exist/,
      },
      {
        name: "a dependency that does not exist",
        args: ["--title", "x", "--depends", "12,15"],
        message: /Dependency #12 does not exist[\s\S]*Dependency #15/,
      },
      {
        name: "a malformed dependency",
        args: ["--title", "x", "--depends", "twelve"],
        message: /twelve/,
      },
      {
        name: "an unknown flag",
        args: ["--title", "x", "--labels", "y"],
        message: /--labels[\s\S]*Usage: goal-create/,
      },
      {
        name: "a missing body file",
        args: ["--title", "x", "--body-file", "/nonexistent/goal.md"],
        message: /--body-file: cannot read "\/nonexistent\/goal.md" \(ENOENT\)/,
      },
      {
        name: "no token",
        args: ["--title", "x"],
        env: ({ GITHUB_TOKEN: _t, ...env }) => env,
        message: /No GitHub token: set GITHUB_TOKEN or GH_TOKEN/,
      },
      {
        name: "a rejected token",
        args: ["--title", "x"],
        env: (env) => ({ ...env, GITHUB_TOKEN: "nope" }),
        message: /GitHub rejected the token/,
      },
      {
        name: "a malformed repository",
        args: ["--title", "x", "--repo", "widgets"],
        message: /widgets/,
      },
      {
        name: "an unreachable API",
        args: ["--title", "x"],
        env: (env) => ({ ...env, GITHUB_API_URL: "http://127.0.0.1:9" }),
        message: /Could not reach the GitHub API/,
      },
    ];
    for (const refusal of refusals) {
      it(`goal-create refuses ${refusal.name}, creating nothing`, async () => {
        const result = await goalCreate(
          refusal.args,
          refusal.input ?? GOAL_BODY,
          refusal.env ? refusal.env(gh.env) : gh.env,
        );
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, refusal.message);
        assert.doesNotMatch(
          result.stderr,
          /unexpected error|\n\s+at /,
          "a user error, not a stack trace",
        );
        assert.equal(result.stdout, "");
        assert.equal(issuesCreated(), 0);
      });
    }

    it("goal-create refuses an issue without the story label as a story", async () => {
      const plain = await gh.client.rest.issues.create({
        owner: "acme",
        repo: "widgets",
        title: "plain",
      });
      const result = await goalCreate(["--title", "x", "--story", String(plain.data.number)]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /is not a story: it has no "story" label/);
      assert.equal(issuesCreated(), 1, "only the plain issue exists");
    });

    const goalRefusals: Array<{ args: string[]; message: RegExp }> = [
      { args: [], message: /a command is required[\s\S]*Usage: goal/ },
      { args: ["frobnicate"], message: /unknown command "frobnicate"/ },
      { args: ["queue", "abc"], message: /"abc" is not an issue number/ },
      { args: ["queue"], message: /takes one issue number/ },
      {
        args: ["list", "sleeping"],
        message: /"sleeping" is not a goal state; use one of draft, queued/,
      },
      { args: ["show", "77"], message: /Issue #77 does not exist in acme\/widgets/ },
      { args: ["reject", "1"], message: /needs --feedback/ },
      {
        args: ["approve", "1", "--merge-method", "octopus"],
        message: /--merge-method: "octopus" is not one of squash, merge, rebase/,
      },
    ];
    for (const refusal of goalRefusals) {
      it(`goal ${refusal.args.join(" ") || "(no command)"} fails with a clear message`, async () => {
        const result = await goal(refusal.args);
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, refusal.message);
        assert.doesNotMatch(result.stderr, /unexpected error|\n\s+at /);
      });
    }

    it("goal queue refuses a running goal", async () => {
      const created = await goalCreate(["--title", "Running one", "--queue", "--json"]);
      const { number } = JSON.parse(created.stdout) as { number: number };
      await gh.store.transition(number, { to: "running", reason: "claimed by a test" });
      const result = await goal(["queue", String(number)]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /goal:running: an agent is working on it/);
    });

    it("goal queue repairs a goal carrying two state labels", async () => {
      const created = await goalCreate(["--title", "Stuck one", "--queue", "--json"]);
      const { number } = JSON.parse(created.stdout) as { number: number };
      await gh.store.transition(number, { to: "running", reason: "claimed by a test" });
      await gh.store.transition(number, { to: "done", reason: "finished in a test" });
      await gh.client.rest.issues.update({
        owner: "acme",
        repo: "widgets",
        issue_number: number,
        labels: ["goal:draft", "goal:done"],
      });
      const result = await goal(["queue", String(number)]);
      assert.equal(result.code, 0, "two state labels are repaired by queueing");
      assert.match(result.stdout, /→ goal:queued/);
    });
  });
}
