// The token must reach origin as an HTTP header and nowhere else: not .git/config, not any file
// under .git/, not an error message. Tested over real smart HTTP (git http-backend) with a
// server that answers 401 without the right Authorization header.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gitEnvironment } from "../../src/git/environment.js";
import { Git } from "../../src/git/git.js";
import { GitError } from "../../src/git/runner.js";
import { httpOrigin, scrubSecrets } from "../../src/git/token.js";
import {
  commitEverything,
  type GitHttpServer,
  makeOrigin,
  type Sandbox,
  sandbox,
  startGitHttpServer,
  writeFiles,
} from "./helpers.js";

const TOKEN = "ghs_T0kenValue+/=Secret42";
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
const FORMS = [TOKEN, BASIC, Buffer.from(TOKEN).toString("base64"), encodeURIComponent(TOKEN)];

let box: Sandbox;
let server: GitHttpServer;
before(async () => {
  box = sandbox("goal-git-token-");
  makeOrigin(box, "private", { "a.txt": "a\n" });
  server = await startGitHttpServer(box.root, TOKEN, box.env);
});
after(async () => {
  await server.close();
  box.cleanup();
});

function assertNoSecret(text: string, where: string): void {
  for (const form of FORMS) assert.ok(!text.includes(form), `${where} contains the token: ${text}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

describe("token hygiene", () => {
  it("clones, fetches and pushes over HTTP with the token, and stores it nowhere", async () => {
    const url = `${server.url}/private.git`;
    const git = await Git.clone({ url, dir: box.path("work"), token: TOKEN, env: box.env });
    assert.equal(await git.fetch("goal/1-x"), false);
    assert.equal(await git.fetch("goal/1-x"), false);
    await git.checkoutNewBranch("goal/1-x", "origin/main");
    writeFiles(git.cwd, { "b.txt": "b\n" });
    assert.equal(commitEverything(box, git.cwd, "b"), true);
    assert.deepEqual(await git.push("goal/1-x"), { ok: true });
    assert.equal(await git.fetch("goal/1-x"), true);
    assert.equal(await git.fetch("goal/1-x"), true);
    assert.equal(box.git(box.path("private.git"), "rev-parse", "goal/1-x"), await git.headSha());

    // every request carried the header; none was refused
    assert.ok(server.authorizations.length >= 8);
    assert.ok(
      server.authorizations.every(
        (value) => value?.toLowerCase() === `basic ${BASIC}`.toLowerCase(),
      ),
    );

    const config = readFileSync(join(git.cwd, ".git/config"), "utf8");
    assertNoSecret(config, ".git/config");
    assert.match(config, new RegExp(`url = ${url.replace(/[.]/g, "\\.")}\\n`));
    assert.doesNotMatch(config, /extraheader|credential/i);
    for (const file of filesUnder(join(git.cwd, ".git"))) {
      assertNoSecret(readFileSync(file).toString("latin1"), file);
    }
    assert.deepEqual(
      box.git(git.cwd, "config", "--list", "--show-origin").match(/extraheader/gi),
      null,
    );
  });

  it("clones from a mirror and fetches the rest with the token, storing it nowhere", async () => {
    const mirror = box.path("private-mirror.git");
    box.git(box.root, "clone", "--quiet", "--mirror", box.path("private.git"), mirror);
    const other = box.path("private-pusher");
    box.git(box.root, "clone", "--quiet", box.path("private.git"), other);
    for (let i = 1; i <= 20; i++) {
      writeFiles(other, { "ahead.txt": `${i}\n` });
      box.git(other, "add", "--all");
      box.git(other, "commit", "--quiet", "-m", `ahead ${i}`);
    }
    box.git(other, "push", "--quiet", "origin", "HEAD:main");
    const url = `${server.url}/private.git`;
    const before = server.authorizations.length;
    const warnings: string[] = [];
    const git = await Git.clone({
      url,
      dir: box.path("from-mirror"),
      reference: mirror,
      token: TOKEN,
      env: box.env,
      warn: (message) => warnings.push(message),
    });
    assert.deepEqual(warnings, []);
    assert.equal(await git.headSha(), box.git(box.path("private.git"), "rev-parse", "main"));
    const requests = server.authorizations.slice(before);
    assert.ok(requests.length > 0);
    assert.ok(requests.every((value) => value?.toLowerCase() === `basic ${BASIC}`.toLowerCase()));
    const config = readFileSync(join(git.cwd, ".git/config"), "utf8");
    assert.match(config, new RegExp(`url = ${url.replace(/[.]/g, "\\.")}\\n`));
    assert.doesNotMatch(config, /extraheader|credential/i);
    for (const file of filesUnder(join(git.cwd, ".git"))) {
      assertNoSecret(readFileSync(file).toString("latin1"), file);
    }
  });

  // A clone that prompted for a password would wait for ever: the test would end at its timeout.
  it("fails without a token instead of prompting, and says nothing about a token", {
    timeout: 60_000,
  }, async () => {
    await assert.rejects(
      Git.clone({ url: `${server.url}/private.git`, dir: box.path("anon"), env: box.env }),
      (error: unknown) =>
        error instanceof GitError &&
        /could not read Username|Authentication failed/.test(error.message),
    );
  });

  it("keeps the token out of the messages of failing pushes, fetches and clones", async () => {
    const git = await Git.clone({
      url: `${server.url}/private.git`,
      dir: box.path("failing"),
      token: TOKEN,
      env: box.env,
    });
    writeFiles(git.cwd, { "c.txt": "c\n" });
    commitEverything(box, git.cwd, "c");
    const remotes = [
      `${server.url}/no-such-repo.git`, // 404 from a live server
      "http://127.0.0.1:9/nothing-listens.git", // connection refused
      `http://x-access-token:${TOKEN}@127.0.0.1:9/userinfo.git`, // a token someone put in a URL
    ];
    for (const remote of remotes) {
      const pushGit = new Git({ cwd: git.cwd, token: TOKEN, env: box.env, remote });
      const result = await pushGit.push("main");
      assert.equal(result.ok, false);
      assert.ok(!result.ok && !result.rejected);
      assertNoSecret(result.ok ? "" : result.message, `push message for ${remote}`);
      assert.ok(!result.ok && result.message.length > 0);

      const fetchError = await pushGit.fetch("main").then(
        () => assert.fail("fetch should fail"),
        (error: unknown) => error,
      );
      assert.ok(fetchError instanceof GitError);
      assertNoSecret(fetchError.message, "fetch message");
      assertNoSecret(fetchError.stderr, "fetch stderr");
      assertNoSecret(fetchError.args.join(" "), "fetch args");
      assertNoSecret(String(fetchError.stack), "fetch stack");

      const cloneError = await Git.clone({
        url: remote,
        dir: box.path(`clone-${remotes.indexOf(remote)}`),
        token: TOKEN,
        env: box.env,
      }).then(
        () => assert.fail("clone should fail"),
        (error: unknown) => error,
      );
      assert.ok(cloneError instanceof GitError);
      assertNoSecret(`${cloneError.message} ${cloneError.args.join(" ")}`, "clone error");
    }
  });

  it("scrubs the header even when the caller's environment makes git print it", async () => {
    const git = await Git.clone({
      url: `${server.url}/private.git`,
      dir: box.path("verbose"),
      token: TOKEN,
      env: box.env,
    });
    const loud = new Git({
      cwd: git.cwd,
      token: TOKEN,
      remote: `${server.url}/missing.git`,
      env: { ...box.env, GIT_CURL_VERBOSE: "1", GIT_TRACE_REDACT: "0" },
    });
    const error = await loud.fetch("main").then(
      () => assert.fail("fetch should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GitError);
    assert.match(error.stderr, /Authorization: basic \*\*\*/i); // git did print it; we scrubbed it
    assertNoSecret(`${error.message}\n${error.stderr}`, "verbose fetch error");
  });

  it("builds git's environment from scratch: the caller's git config and secrets stay out", async () => {
    server.userAgents.length = 0;
    const env = {
      ...box.env,
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.userAgent",
      GIT_CONFIG_VALUE_0: "from-the-caller",
      HOME: box.path("home-with-config"),
    };
    const git = await Git.clone({
      url: `${server.url}/private.git`,
      dir: box.path("ua"),
      token: TOKEN,
      env,
    });
    assert.equal(await git.fetch("main"), true);
    assert.ok(server.userAgents.length > 0);
    assert.ok(server.userAgents.every((agent) => agent !== "from-the-caller"));
    const clean = gitEnvironment({ ...env, INPUT_TOKEN: TOKEN, "INPUT_APP-PRIVATE-KEY": "pem" });
    assert.equal(clean.HOME, undefined);
    assert.equal(clean.GIT_CONFIG_GLOBAL, "/dev/null");
    assert.equal(clean.GIT_CONFIG_NOSYSTEM, "1");
    assertNoSecret(JSON.stringify(clean), "git's environment");
    assert.ok(!JSON.stringify(clean).includes("pem"));
  });
});

describe("scrubSecrets and httpOrigin", () => {
  it("removes every form of the token and URL user info", () => {
    const text = `a ${TOKEN} b ${BASIC} c ${encodeURIComponent(TOKEN)} https://u:p@host/x ssh://git@h/y`;
    assert.equal(scrubSecrets(text, TOKEN), "a *** b *** c *** https://***@host/x ssh://***@h/y");
    assert.equal(scrubSecrets("plain", undefined), "plain");
  });

  it("scopes the header to the scheme, host and port of origin", () => {
    assert.equal(httpOrigin("https://github.com/o/r.git"), "https://github.com/");
    assert.equal(httpOrigin("https://user:pw@ghe.example:8443/o/r"), "https://ghe.example:8443/");
    assert.equal(httpOrigin("git@github.com:o/r.git"), null);
    assert.equal(httpOrigin("ssh://git@github.com/o/r.git"), null);
    assert.equal(httpOrigin("file:///tmp/x.git"), null);
    assert.equal(httpOrigin("/tmp/x.git"), null);
  });
});
