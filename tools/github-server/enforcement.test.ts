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

describe("GitHub's size limits", () => {
  let f: Fixture;
  before(async () => {
    f = await setup();
    f.server.setBranch("acme", "widgets", "main");
  });
  after(async () => {
    await f.server.close();
  });
  beforeEach(() => {
    f.server.violations.length = 0;
  });

  const BODY = 65_536;
  const TITLE = 256;
  const NAME = 50;
  let branches = 0;

  /** The 422 GitHub answers over a limit (and nothing recorded as a contract violation). */
  async function tooLong(
    promise: Promise<unknown>,
    resource: string,
    field: string,
    max: number,
  ): Promise<void> {
    try {
      await promise;
    } catch (error) {
      const { status, response } = error as {
        status: number;
        response: { data: { message: string; errors: unknown[]; documentation_url: string } };
      };
      assert.equal(status, 422);
      assert.equal(response.data.message, "Validation Failed");
      assert.deepEqual(response.data.errors, [
        {
          resource,
          code: "custom",
          field,
          message: `${field} is too long (maximum is ${max} characters)`,
        },
      ]);
      assert.equal(typeof response.data.documentation_url, "string");
      assert.deepEqual(f.server.violations, []);
      return;
    }
    assert.fail("expected GitHub's 422");
  }

  const where = () => ({ owner: f.owner, repo: f.repo });
  const newIssue = async () =>
    (await f.octokit.issues.create({ ...where(), title: "limits" })).data.number;
  const newPull = async () => {
    branches++;
    f.server.setBranch("acme", "widgets", `limits-${branches}`, `${branches}`.padStart(40, "a"));
    return (
      await f.octokit.pulls.create({
        ...where(),
        title: "limits",
        head: `limits-${branches}`,
        base: "main",
      })
    ).data.number;
  };

  it("issues/create: title at 256 and body at 65,536 pass; one more is 422", async () => {
    const { data } = await f.octokit.issues.create({
      ...where(),
      title: "t".repeat(TITLE),
      body: "b".repeat(BODY),
    });
    assert.equal(data.title.length, TITLE);
    assert.equal(data.body?.length, BODY);
    const before = f.server.state.getRepo("acme", "widgets")?.issues.size;
    await tooLong(
      f.octokit.issues.create({ ...where(), title: "t".repeat(TITLE + 1) }),
      "Issue",
      "title",
      TITLE,
    );
    await tooLong(
      f.octokit.issues.create({ ...where(), title: "t", body: "b".repeat(BODY + 1) }),
      "Issue",
      "body",
      BODY,
    );
    assert.equal(f.server.state.getRepo("acme", "widgets")?.issues.size, before);
  });

  it("issues/update: title at 256 and body at 65,536 pass; one more is 422", async () => {
    const number = await newIssue();
    const issue_number = number;
    await f.octokit.issues.update({
      ...where(),
      issue_number,
      title: "t".repeat(TITLE),
      body: "b".repeat(BODY),
    });
    await tooLong(
      f.octokit.issues.update({ ...where(), issue_number, title: "t".repeat(TITLE + 1) }),
      "Issue",
      "title",
      TITLE,
    );
    await tooLong(
      f.octokit.issues.update({ ...where(), issue_number, body: "b".repeat(BODY + 1) }),
      "Issue",
      "body",
      BODY,
    );
    const kept = f.server.getIssue("acme", "widgets", number);
    assert.equal(kept?.title.length, TITLE);
    assert.equal(kept?.body?.length, BODY);
  });

  it("issue comments: a body at 65,536 passes on create and update; one more is 422", async () => {
    const issue_number = await newIssue();
    const { data } = await f.octokit.issues.createComment({
      ...where(),
      issue_number,
      body: "c".repeat(BODY),
    });
    await tooLong(
      f.octokit.issues.createComment({ ...where(), issue_number, body: "c".repeat(BODY + 1) }),
      "IssueComment",
      "body",
      BODY,
    );
    await f.octokit.issues.updateComment({
      ...where(),
      comment_id: data.id,
      body: "d".repeat(BODY),
    });
    await tooLong(
      f.octokit.issues.updateComment({
        ...where(),
        comment_id: data.id,
        body: "d".repeat(BODY + 1),
      }),
      "IssueComment",
      "body",
      BODY,
    );
  });

  it("pulls/create: title at 256 and body at 65,536 pass; one more is 422", async () => {
    branches++;
    const head = `limits-${branches}`;
    f.server.setBranch("acme", "widgets", head, `${branches}`.padStart(40, "b"));
    await tooLong(
      f.octokit.pulls.create({ ...where(), title: "t".repeat(TITLE + 1), head, base: "main" }),
      "PullRequest",
      "title",
      TITLE,
    );
    await tooLong(
      f.octokit.pulls.create({
        ...where(),
        title: "t",
        body: "b".repeat(BODY + 1),
        head,
        base: "main",
      }),
      "PullRequest",
      "body",
      BODY,
    );
    const { data } = await f.octokit.pulls.create({
      ...where(),
      title: "t".repeat(TITLE),
      body: "b".repeat(BODY),
      head,
      base: "main",
    });
    assert.equal(data.title.length, TITLE);
    assert.equal(data.body?.length, BODY);
  });

  it("pulls/update: title at 256 and body at 65,536 pass; one more is 422", async () => {
    const pull_number = await newPull();
    await f.octokit.pulls.update({
      ...where(),
      pull_number,
      title: "t".repeat(TITLE),
      body: "b".repeat(BODY),
    });
    await tooLong(
      f.octokit.pulls.update({ ...where(), pull_number, title: "t".repeat(TITLE + 1) }),
      "PullRequest",
      "title",
      TITLE,
    );
    await tooLong(
      f.octokit.pulls.update({ ...where(), pull_number, body: "b".repeat(BODY + 1) }),
      "PullRequest",
      "body",
      BODY,
    );
  });

  it("labels: a name of 50 passes on create and update; one more is 422", async () => {
    await f.octokit.issues.createLabel({ ...where(), name: "n".repeat(NAME), color: "ededed" });
    await tooLong(
      f.octokit.issues.createLabel({ ...where(), name: "m".repeat(NAME + 1), color: "ededed" }),
      "Label",
      "name",
      NAME,
    );
    await f.octokit.issues.createLabel({ ...where(), name: "short", color: "ededed" });
    await f.octokit.issues.updateLabel({ ...where(), name: "short", new_name: "o".repeat(NAME) });
    await tooLong(
      f.octokit.issues.updateLabel({
        ...where(),
        name: "o".repeat(NAME),
        new_name: "p".repeat(NAME + 1),
      }),
      "Label",
      "name",
      NAME,
    );
  });
});
