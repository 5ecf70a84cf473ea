import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { type Fixture, setup, statusOf } from "./test-helpers.js";

const Client = Octokit.plugin(retry, throttling);

describe("fault injection", () => {
  let f: Fixture;
  let client: InstanceType<typeof Client>;
  const o = { owner: "acme", repo: "widgets" };
  before(async () => {
    f = await setup();
    client = new Client({
      auth: f.token,
      baseUrl: f.server.url,
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      retry: { retryAfterBaseValue: 1 },
      throttle: {
        retryAfterBaseValue: 1,
        onRateLimit: () => false,
        onSecondaryRateLimit: (_after, _options, _octokit, retryCount) => retryCount < 2,
      },
    });
  });
  after(async () => {
    await f.server.close();
  });
  beforeEach(() => {
    f.server.faults.clear();
    f.server.resetRequests();
  });

  it("fails once with 500, then the retried request succeeds", async () => {
    f.server.faults.add({ route: "issues/create", status: 500 });
    const { data } = await client.issues.create({ ...o, title: "retried" });
    assert.equal(data.title, "retried");
    assert.deepEqual(
      f.server.requests.map((r) => [r.operationId, r.status, r.injected ?? false]),
      [
        ["issues/create", 500, true],
        ["issues/create", 201, false],
      ],
    );
    // Only the successful attempt created an issue.
    const titles = [...(f.server.state.getRepo("acme", "widgets")?.issues.values() ?? [])].map(
      (i) => i.title,
    );
    assert.deepEqual(
      titles.filter((t) => t === "retried"),
      ["retried"],
    );
    f.server.assertNoViolations();
  });

  it("applyThenFail creates the issue but answers 502 (the lost response)", async () => {
    f.server.faults.add({ route: "issues/create", applyThenFail: true });
    const plain = f.octokit;
    assert.equal(await statusOf(plain.issues.create({ ...o, title: "lost response" })), 502);
    const issues = [...(f.server.state.getRepo("acme", "widgets")?.issues.values() ?? [])];
    assert.ok(issues.some((i) => i.title === "lost response"));
    assert.equal(f.server.requests[0]?.injected, true);
    assert.equal(f.server.requests[0]?.status, 502);
  });

  it("answers 403 secondary rate limit with retry-after, which the throttling plugin honours", async () => {
    f.server.faults.add({ route: "issues/list-for-repo", retryAfter: 1 });
    const res = await fetch(`${f.server.url}/repos/acme/widgets/issues`, {
      headers: { authorization: `token ${f.token}` },
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.match(
      ((await res.json()) as { message: string }).message,
      /^You have exceeded a secondary rate limit/,
    );

    f.server.faults.add({ route: "issues/list-for-repo", retryAfter: 1 });
    const { status } = await client.issues.listForRepo(o);
    assert.equal(status, 200);
    assert.deepEqual(
      f.server.requests.slice(1).map((r) => r.status),
      [403, 200],
    );
  });

  it("matches the method, counts `times`, and clears", async () => {
    f.server.faults.add({ route: "issues/get", method: "PATCH", status: 500 });
    f.server.faults.add({ route: "repos/get", status: 404, times: 2 });
    assert.equal(await statusOf(f.octokit.repos.get(o)), 404);
    assert.equal(await statusOf(f.octokit.repos.get(o)), 404);
    assert.equal((await f.octokit.repos.get(o)).status, 200);
    assert.equal(f.server.faults.active.length, 1);
    f.server.faults.clear();
    assert.equal(f.server.faults.active.length, 0);
  });

  it("drops the connection, and delays answers", async () => {
    f.server.faults.add({ route: "repos/get", dropConnection: true });
    await assert.rejects(
      fetch(`${f.server.url}/repos/acme/widgets`, {
        headers: { authorization: `token ${f.token}` },
      }),
    );
    f.server.faults.add({ route: "repos/get", latencyMs: 150 });
    const started = Date.now();
    assert.equal((await f.octokit.repos.get(o)).status, 200);
    assert.ok(Date.now() - started >= 140);
    assert.deepEqual(
      f.server.requests.map((r) => r.injected ?? false),
      [true, false],
    );
  });

  it("injects faults into GraphQL too", async () => {
    f.server.faults.add({ route: "graphql", status: 502 });
    assert.equal(await statusOf(f.octokit.graphql("{ viewer { login } }")), 502);
    const ok = await f.octokit.graphql<{ viewer: { login: string } }>("{ viewer { login } }");
    assert.equal(ok.viewer.login, "octo-bot");
  });
});
