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

describe("seeded storm", () => {
  let f: Fixture;
  const o = { owner: "acme", repo: "widgets" };
  before(async () => {
    f = await setup();
  });
  after(async () => {
    await f.server.close();
  });
  beforeEach(() => {
    f.server.faults.clear();
    f.server.resetRequests();
  });

  /** Sends `count` plain requests (no retries) and returns what came back: status or "drop". */
  async function statuses(count: number): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < count; i++) {
      try {
        const res = await fetch(`${f.server.url}/repos/acme/widgets`, {
          headers: { authorization: `token ${f.token}` },
        });
        seen.push(String(res.status));
      } catch {
        seen.push("drop");
      }
    }
    return seen;
  }

  it("gives the same faults for the same seed and order of requests, and others for another seed", async () => {
    const kinds = ["server-error", "rate-limit", "dropped-connection"] as const;
    f.server.faults.storm({ seed: 7, rate: 0.3, kinds });
    const first = await statuses(60);
    f.server.faults.storm({ seed: 7, rate: 0.3, kinds });
    const again = await statuses(60);
    f.server.faults.storm({ seed: 8, rate: 0.3, kinds });
    const other = await statuses(60);
    assert.deepEqual(again, first);
    assert.notDeepEqual(other, first);
    const faulted = first.filter((status) => status !== "200").length;
    assert.ok(faulted > 5 && faulted < 35, `${faulted} of 60 faulted at rate 0.3`);
    assert.ok(first.includes("drop") && first.includes("403"), first.join(" "));
    const stats = f.server.faults.stormStats;
    assert.equal(stats?.requests, 60);
    assert.equal(
      stats?.faults,
      other.filter((status) => status !== "200").length,
      "the figures count the last storm",
    );
    assert.equal(stats?.byKind.latency, 0);
  });

  it("rate 0 and calm() inject nothing; rate 1 faults every request it may", async () => {
    f.server.faults.storm({ seed: 1, rate: 0 });
    assert.deepEqual(await statuses(5), ["200", "200", "200", "200", "200"]);
    f.server.faults.storm({ seed: 1, rate: 1, kinds: ["server-error"] });
    assert.ok((await statuses(5)).every((status) => /^50[023]$/.test(status)));
    f.server.faults.calm();
    assert.deepEqual(await statuses(2), ["200", "200"]);
    f.server.faults.storm({ seed: 1, rate: 1, kinds: ["server-error"], routes: () => false });
    assert.deepEqual(await statuses(2), ["200", "200"]);
    assert.equal(f.server.faults.stormStats?.requests, 2, "every request still draws");
  });

  it("a lost response is performed; a server error is not", async () => {
    f.server.faults.storm({ seed: 3, rate: 1, kinds: ["lost-response"] });
    const plain = f.octokit;
    await plain.issues.create({ ...o, title: "lost in the storm" }).catch(() => {});
    f.server.faults.storm({ seed: 3, rate: 1, kinds: ["server-error"] });
    await plain.issues.create({ ...o, title: "never made" }).catch(() => {});
    const titles = [...(f.server.state.getRepo("acme", "widgets")?.issues.values() ?? [])].map(
      (issue) => issue.title,
    );
    assert.ok(titles.includes("lost in the storm"));
    assert.ok(!titles.includes("never made"));
    assert.ok(f.server.requests.every((request) => request.injected));
  });

  it("explicit faults win over the storm, which still draws for them", async () => {
    f.server.faults.storm({ seed: 5, rate: 0 });
    f.server.faults.add({ route: "repos/get", status: 404 });
    assert.deepEqual(await statuses(2), ["404", "200"]);
    assert.equal(f.server.faults.stormStats?.requests, 2);
  });
});

describe("request hooks", () => {
  let f: Fixture;
  const o = { owner: "acme", repo: "widgets" };
  before(async () => {
    f = await setup();
  });
  after(async () => {
    await f.server.close();
  });
  beforeEach(() => {
    f.server.faults.clear();
    f.server.resetRequests();
  });
  const issueTitles = () =>
    [...(f.server.state.getRepo("acme", "widgets")?.issues.values() ?? [])].map(
      (issue) => issue.title,
    );

  it("runs before the request; `drop` means it is never performed and its sender sees no answer", async () => {
    const seen: string[] = [];
    f.server.faults.hook({
      route: "issues/create",
      at: "before",
      drop: true,
      run: (request) => {
        seen.push(`${request.method} ${request.path} by ${request.login}`);
      },
    });
    await assert.rejects(f.octokit.issues.create({ ...o, title: "killed before" }));
    assert.deepEqual(seen, ["POST /repos/acme/widgets/issues by octo-bot"]);
    assert.ok(!issueTitles().includes("killed before"));
    assert.equal(f.server.faults.armedHooks, 0, "used up");
    await f.octokit.issues.create({ ...o, title: "next one" });
    assert.ok(issueTitles().includes("next one"));
  });

  it("runs after the request was performed; `drop` loses the answer", async () => {
    let performed = false;
    f.server.faults.hook({
      route: "issues/create",
      at: "after",
      drop: true,
      run: () => {
        performed = issueTitles().includes("killed after");
      },
    });
    await assert.rejects(f.octokit.issues.create({ ...o, title: "killed after" }));
    assert.ok(performed, "the hook ran once the issue existed");
    assert.equal(f.server.requests.at(-1)?.injected, true);
  });

  it("matches on path parameters, body and GraphQL operation; waits for an async hook; answers by default", async () => {
    const { data: issue } = await f.octokit.issues.create({ ...o, title: "target" });
    const order: string[] = [];
    const remove = f.server.faults.hook({
      route: "issues/create-comment",
      at: "before",
      times: Number.POSITIVE_INFINITY,
      match: (request) =>
        request.params.issue_number === String(issue.number) &&
        String((request.body as { body?: string }).body).includes("marker"),
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        order.push("hook");
      },
    });
    f.server.faults.hook({
      route: "graphql",
      graphqlOperation: "Who",
      at: "after",
      run: (request) => {
        order.push(`graphql ${request.graphqlOperation}`);
      },
    });
    await f.octokit.issues.createComment({ ...o, issue_number: issue.number, body: "plain" });
    await f.octokit.issues.createComment({ ...o, issue_number: issue.number, body: "a marker" });
    order.push("answered");
    await f.octokit.graphql("query Other { viewer { login } }");
    const who = await f.octokit.graphql<{ viewer: { login: string } }>(
      "# a comment first\nquery Who { viewer { login } }",
    );
    assert.equal(who.viewer.login, "octo-bot", "answered as usual");
    assert.deepEqual(order, ["hook", "answered", "graphql Who"]);
    assert.equal(f.server.faults.armedHooks, 1, "the Infinity hook stays until removed");
    remove();
    assert.equal(f.server.faults.armedHooks, 0);
  });
});
