// A token provider (a function) is asked for the token before each network command, so a
// short-lived token (a GitHub App installation token) can be renewed while a clone is in use.
// Tested over real smart HTTP with an origin that accepts only the current token.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Git } from "../../src/git/git.js";
import { GitError } from "../../src/git/runner.js";
import {
  commitEverything,
  type GitHttpServer,
  makeOrigin,
  type Sandbox,
  sandbox,
  startGitHttpServer,
  writeFiles,
} from "./helpers.js";

let box: Sandbox;
let server: GitHttpServer;
/** The only token origin accepts now; tests rotate it, as tokens expire. */
let current = "ghs_first0000";
before(async () => {
  box = sandbox("goal-git-provider-");
  makeOrigin(box, "private", { "a.txt": "a\n" });
  server = await startGitHttpServer(box.root, () => current, box.env);
});
after(async () => {
  await server.close();
  box.cleanup();
});

const forms = (token: string) => [
  token,
  Buffer.from(`x-access-token:${token}`).toString("base64"),
  Buffer.from(token).toString("base64"),
];

describe("token provider", () => {
  it("asks for a token before each network command, so a rotated token is used", async () => {
    const given: string[] = [];
    const provider = async () => {
      given.push(current);
      return current;
    };
    const url = `${server.url}/private.git`;
    const git = await Git.clone({ url, dir: box.path("work"), token: provider, env: box.env });
    const asked = given.length;
    assert.ok(asked >= 1);
    await git.checkoutNewBranch("goal/1-x", "origin/main");
    writeFiles(git.cwd, { "b.txt": "b\n" });
    assert.equal(commitEverything(box, git.cwd, "b"), true);
    assert.equal(given.length, asked, "local commands ask for no token");

    current = "ghs_second0000"; // the first token expired; the provider now gives a new one
    assert.deepEqual(await git.push("goal/1-x"), { ok: true });
    assert.equal(await git.fetch("goal/1-x"), true);
    assert.equal(await git.fetch("goal/1-x"), true);
    assert.deepEqual(given.slice(asked), ["ghs_second0000", "ghs_second0000", "ghs_second0000"]);
    assert.equal(box.git(box.path("private.git"), "rev-parse", "goal/1-x"), await git.headSha());

    // neither token was written anywhere under .git
    for (const entry of readdirSync(join(git.cwd, ".git"), {
      recursive: true,
      withFileTypes: true,
    })) {
      if (!entry.isFile()) continue;
      const text = readFileSync(join(entry.parentPath, entry.name)).toString("latin1");
      for (const form of [...forms("ghs_first0000"), ...forms("ghs_second0000")]) {
        assert.ok(!text.includes(form), `${entry.name} contains a token`);
      }
    }
  });

  it("a fixed token that expired fails; every token a provider gave is scrubbed", async () => {
    current = "ghs_third0000";
    const url = `${server.url}/private.git`;
    const stale = new Git({
      cwd: box.path("work"),
      token: "ghs_second0000",
      env: box.env,
      remote: url,
    });
    await assert.rejects(stale.fetch("goal/1-x"), GitError);

    const tokens = ["ghs_third0000", "ghs_wrong0000"];
    let call = 0;
    const git = new Git({
      cwd: box.path("work"),
      remote: url,
      token: async () => tokens[Math.min(call++, 1)] ?? "",
      env: { ...box.env, GIT_TRACE_CURL: "1", GIT_TRACE_CURL_NO_DATA: "1" },
    });
    assert.equal(await git.fetch("main"), true); // ghs_third0000: accepted
    const error = await git.fetch("main").then(
      () => assert.fail("expected a refusal"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GitError);
    for (const token of tokens) {
      for (const form of forms(token)) {
        assert.ok(!error.message.includes(form), error.message);
        assert.ok(!error.stderr.includes(form), error.stderr);
      }
    }
  });

  it("a provider that fails stops the command before git runs, with its message", async () => {
    const git = new Git({
      cwd: box.path("work"),
      remote: `${server.url}/private.git`,
      token: async () => {
        throw new Error("GitHub refused to mint a token");
      },
      env: box.env,
    });
    const before = server.authorizations.length;
    await assert.rejects(git.fetch("main"), /GitHub refused to mint a token/);
    const pushed = await git.push("goal/1-x");
    assert.equal(pushed.ok, false);
    assert.match(pushed.ok ? "" : pushed.message, /GitHub refused to mint a token/);
    assert.equal(server.authorizations.length, before, "nothing reached origin");
  });
});
