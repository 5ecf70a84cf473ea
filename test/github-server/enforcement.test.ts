import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { getContract } from "./contract.js";
import { startGitHubServer } from "./server.js";
import { type Fixture, setup, statusOf } from "./test-helpers.js";

describe("contract enforcement", () => {
  let f: Fixture;
  before(async () => {
    f = await setup();
  });
  after(async () => {
    await f.server.close();
  });
  beforeEach(() => {
    f.server.violations.length = 0;
    f.server.resetRequests();
  });

  async function raw(method: string, path: string, body?: unknown, token = f.token) {
    const res = await fetch(`${f.server.url}${path}`, {
      method,
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { message: string } };
  }

  it("rejects a request to an unknown path with 400 and records a violation", async () => {
    const res = await raw("GET", "/repos/acme/widgets/no-such-thing");
    assert.equal(res.status, 400);
    assert.match(res.body.message, /^Contract violation \(local GitHub API test server\): /);
    assert.equal(f.server.violations.length, 1);
    assert.throws(() => f.server.assertNoViolations(), /no-such-thing/);
    assert.equal(f.server.requests[0]?.operationId, null);
  });

  it("rejects an undocumented method on a known path", async () => {
    const res = await raw("DELETE", "/repos/acme/widgets/issues");
    assert.equal(res.status, 400);
    assert.equal(f.server.violations.length, 1);
  });

  it("rejects create-issue with a body that breaks the schema", async () => {
    const status = await statusOf(
      // A body GitHub would refuse: no title, labels as a string.
      f.octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner: f.owner,
        repo: f.repo,
        body: "no title",
        labels: "goal:queued",
      } as never),
    );
    assert.equal(status, 400);
    assert.match(f.server.violations.join("\n"), /issues\/create/);
    assert.match(f.server.violations.join("\n"), /title/);
    assert.equal(f.server.state.getIssue("acme", "widgets", 1), undefined);
  });

  it("rejects an unknown query parameter", async () => {
    const status = await statusOf(
      f.octokit.request("GET /repos/{owner}/{repo}/issues", {
        owner: f.owner,
        repo: f.repo,
        label: "x",
      }),
    );
    assert.equal(status, 400);
    assert.match(f.server.violations[0] ?? "", /query parameter 'label'/);
  });

  it("rejects a request body that is not JSON", async () => {
    const res = await fetch(`${f.server.url}/repos/acme/widgets/issues`, {
      method: "POST",
      headers: { authorization: `token ${f.token}` },
      body: "{not json",
    });
    assert.equal(res.status, 400);
    assert.equal(f.server.violations.length, 1);
  });

  it("answers 401 with GitHub's body for a bad or missing token", async () => {
    const bad = await raw("GET", "/repos/acme/widgets", undefined, "nope");
    assert.equal(bad.status, 401);
    assert.equal(bad.body.message, "Bad credentials");
    const res = await fetch(`${f.server.url}/user`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { message: string }).message, "Requires authentication");
    assert.deepEqual(f.server.violations, []);
  });

  it("hides repositories from users without access (404) and drops labels for readers", async () => {
    const { token } = f.server.addUser({ login: "outsider" });
    f.server.setPermission("acme", "widgets", "outsider", "none");
    assert.equal((await raw("GET", "/repos/acme/widgets", undefined, token)).status, 404);
    const reader = f.server.addUser({ login: "reader2" });
    f.server.setPermission("acme", "widgets", "reader2", "read");
    const res = await raw(
      "POST",
      "/repos/acme/widgets/issues",
      { title: "t", labels: ["goal:queued"] },
      reader.token,
    );
    assert.equal(res.status, 201);
    assert.deepEqual((res.body as unknown as { labels: unknown[] }).labels, []);
    assert.deepEqual(f.server.violations, []);
  });

  it("checks every REST response against the contract", async () => {
    const real = getContract();
    const checked: string[] = [];
    const server = await startGitHubServer({
      contract: {
        checkRequest: (req) => real.checkRequest(req),
        hasOperation: (id) => real.hasOperation(id),
        checkResponse: (id, status, body) => {
          checked.push(`${id} ${status}`);
          // Pretend the description wants something the server does not send.
          return id === "repos/get"
            ? ["response 200 of repos/get: /x is required"]
            : real.checkResponse(id, status, body);
        },
      },
    });
    try {
      const { token } = server.addUser({ login: "u" });
      server.createRepository({ owner: "u", name: "r" });
      const res = await fetch(`${server.url}/repos/u/r`, {
        headers: { authorization: `token ${token}` },
      });
      assert.equal(res.status, 400);
      assert.match(server.violations[0] ?? "", /\/x is required/);
      const ok = await fetch(`${server.url}/repos/u/r/issues`, {
        headers: { authorization: `token ${token}` },
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(checked, ["repos/get 200", "issues/list-for-repo 200"]);
    } finally {
      await server.close();
    }
  });
});
