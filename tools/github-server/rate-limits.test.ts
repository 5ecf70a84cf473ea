import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { SECONDARY_RATE_LIMIT_MESSAGE } from "./faults.js";
import { type Fixture, setup } from "./test-helpers.js";

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const o = { owner: "acme", repo: "widgets" };

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as {
      status: number;
      message: string;
      response: { headers: Record<string, string>; data: unknown };
    };
  }
  throw new Error("expected the request to fail");
}

describe("rate limits", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await setup();
  });
  afterEach(async () => {
    await f.server.close();
  });

  it("reports truthful x-ratelimit headers, REST and GraphQL apart", async () => {
    const first = await f.octokit.repos.get(o);
    const second = await f.octokit.repos.get(o);
    assert.equal(first.headers["x-ratelimit-limit"], "5000");
    assert.equal(first.headers["x-ratelimit-used"], "1");
    assert.equal(second.headers["x-ratelimit-remaining"], "4998");
    assert.equal(second.headers["x-ratelimit-resource"], "core");
    assert.equal(second.headers["x-ratelimit-reset"], first.headers["x-ratelimit-reset"]);
    const reset = Number(first.headers["x-ratelimit-reset"]) * 1000;
    assert.ok(Math.abs(reset - (f.server.state.clock.nowMs() + 3_600_000)) < 5_000);

    const query = `query { viewer { login } rateLimit { cost limit remaining used resetAt nodeCount } }`;
    const answer = await f.octokit.request("POST /graphql", { query });
    assert.equal(answer.headers["x-ratelimit-resource"], "graphql");
    assert.equal(answer.headers["x-ratelimit-used"], "1");
    const { rateLimit } = (answer.data as { data: { rateLimit: Record<string, unknown> } }).data;
    assert.deepEqual(
      { ...rateLimit, resetAt: typeof rateLimit.resetAt },
      { cost: 1, limit: 5000, remaining: 4999, used: 1, resetAt: "string", nodeCount: 0 },
    );
    assert.deepEqual(f.server.usage("octo-bot"), {
      requests: 3,
      points: 3,
      graphqlPoints: 1,
      secondaryPoints: 3,
      contentCreating: 0,
      notModified: 0,
      rateLimited: 0,
    });
  });

  it("answers If-None-Match with 304 and does not count it", async () => {
    const fresh = await f.octokit.repos.get(o);
    const etag = fresh.headers.etag as string;
    assert.match(etag, /^"[0-9a-f]{64}"$/);
    const error = await failure(f.octokit.repos.get({ ...o, headers: { "if-none-match": etag } }));
    // Octokit throws a RequestError for a 304.
    assert.equal(error.status, 304);
    assert.equal(error.response.headers["x-ratelimit-used"], "1");
    assert.equal(f.server.requests[1]?.notModified, true);
    assert.equal(f.server.requests[1]?.points, 0);
    // A changed resource answers 200 with a new ETag, and counts.
    await f.octokit.issues.create({ ...o, title: "one" });
    const list = await f.octokit.issues.listForRepo(o);
    const changed = await f.octokit.issues.create({ ...o, title: "two" });
    assert.equal(changed.status, 201);
    const again = await f.octokit.issues.listForRepo({
      ...o,
      headers: { "if-none-match": list.headers.etag as string },
    });
    assert.equal(again.status, 200);
    assert.notEqual(again.headers.etag, list.headers.etag);
    assert.equal(f.server.usage().notModified, 1);
    f.server.assertNoViolations();
  });

  it("refuses REST requests over the primary limit until the window resets", async () => {
    f.server.setLimits({ identities: { "octo-bot": { core: 2 } } });
    await f.octokit.repos.get(o);
    await f.octokit.repos.get(o);
    const error = await failure(f.octokit.repos.get(o));
    assert.equal(error.status, 403);
    assert.equal(error.response.headers["x-ratelimit-remaining"], "0");
    assert.match(error.message, /^API rate limit exceeded for user ID \d+\./);
    assert.equal(f.server.requests[2]?.rateLimited, "primary");
    // A 304 is still answered: it does not count.
    const etag = (await failure(f.octokit.repos.get(o))).response.headers.etag;
    assert.equal(etag, undefined);
    f.server.state.clock.advance(3_600_000);
    assert.equal((await f.octokit.repos.get(o)).headers["x-ratelimit-used"], "1");
  });

  it("makes the throttling plugin wait for the reset (primary) or retry-after (secondary)", async () => {
    const seen: string[] = [];
    const Client = Octokit.plugin(throttling);
    const client = new Client({
      auth: f.token,
      baseUrl: f.server.url,
      log: quiet,
      throttle: {
        onRateLimit: (after) => {
          seen.push(`primary ${after}`);
          return false;
        },
        onSecondaryRateLimit: (after) => {
          seen.push(`secondary ${after}`);
          return false;
        },
      },
    });
    f.server.setLimits({ identities: { "octo-bot": { core: 0, graphql: 0 } } });
    assert.equal((await failure(client.repos.get(o))).status, 403);
    await failure(client.graphql("query { viewer { login } }"));
    assert.equal(seen.length, 2);
    assert.match(seen[0] ?? "", /^primary 36\d\d$/);
    assert.match(seen[1] ?? "", /^primary 36\d\d$/);
  });

  it("answers GraphQL over the primary limit with RATE_LIMITED, by GitHub's point formula", async () => {
    f.server.setLimits({ identities: { "octo-bot": { graphql: 60 } } });
    // 1 + 100 + 100 × 100 requests: 101 points, more than the 60 available.
    const big = `query { repository(owner: "acme", name: "widgets") {
      issues(first: 100) { nodes { comments(first: 100) { nodes { reactions(first: 100) { totalCount } } } } } } }`;
    const answer = await f.octokit.request("POST /graphql", { query: big });
    assert.equal(answer.status, 200);
    const body = answer.data as { errors: Array<{ type: string; message: string }> };
    assert.equal(body.errors[0]?.type, "RATE_LIMITED");
    assert.match(body.errors[0]?.message ?? "", /^API rate limit exceeded for user ID \d+\.$/);
    assert.equal(answer.headers["x-ratelimit-remaining"], "60");
    const small = `query { repository(owner: "acme", name: "widgets") { issues(first: 100) { nodes { labels(first: 10) { totalCount } } } } }`;
    const fine = await f.octokit.request("POST /graphql", { query: small });
    assert.equal(fine.headers["x-ratelimit-used"], "1");
    assert.deepEqual(
      f.server.requests.map((r) => [r.points, r.rateLimited]),
      [
        [0, "primary"],
        [1, undefined],
      ],
    );
  });

  it("refuses the 81st content-creating request of a minute with retry-after", async () => {
    const { data: issue } = await f.octokit.issues.create({ ...o, title: "busy" });
    const n = { ...o, issue_number: issue.number };
    for (let i = 1; i < 80; i++) await f.octokit.issues.createComment({ ...n, body: `c${i}` });
    // Editing and labelling create no content.
    await f.octokit.issues.update({ ...n, body: "edited" });
    await f.octokit.issues.addLabels({ ...n, labels: ["x"] });
    const error = await failure(f.octokit.issues.createComment({ ...n, body: "one too many" }));
    assert.equal(error.status, 403);
    assert.ok(error.message.startsWith(SECONDARY_RATE_LIMIT_MESSAGE), error.message);
    const retryAfter = Number(error.response.headers["retry-after"]);
    assert.ok(retryAfter > 0 && retryAfter <= 60, String(retryAfter));
    assert.equal(f.server.getIssue("acme", "widgets", issue.number)?.comments.length, 79);
    assert.equal(f.server.usage("octo-bot").contentCreating, 80);
    f.server.state.clock.advance(retryAfter * 1000);
    await f.octokit.issues.createComment({ ...n, body: "now it fits" });
  });

  it("counts each comment of an aliased addComment mutation against the 80 a minute", async () => {
    const { data: issue } = await f.octokit.issues.create({ ...o, title: "busy" });
    const n = { ...o, issue_number: issue.number };
    for (let i = 1; i < 79; i++) await f.octokit.issues.createComment({ ...n, body: `c${i}` });
    const twoComments = `mutation($id: ID!) {
      a: addComment(input: { subjectId: $id, body: "a" }) { clientMutationId }
      b: addComment(input: { subjectId: $id, body: "b" }) { clientMutationId }
    }`;
    const error = await failure(
      f.octokit.request("POST /graphql", { query: twoComments, variables: { id: issue.node_id } }),
    );
    assert.equal(error.status, 403, "79 + 2 pieces of content is one too many");
    assert.equal(f.server.getIssue("acme", "widgets", issue.number)?.comments.length, 78);
    f.server.state.clock.advance(Number(error.response.headers["retry-after"]) * 1000);
    await f.octokit.request("POST /graphql", {
      query: twoComments,
      variables: { id: issue.node_id },
    });
    assert.equal(f.server.getIssue("acme", "widgets", issue.number)?.comments.length, 80);
  });

  it("gives GITHUB_TOKEN-like identities 1,000 an hour, and can be switched off", async () => {
    f.server.setLimits({ identities: { "octo-bot": "actions" } });
    assert.equal((await f.octokit.repos.get(o)).headers["x-ratelimit-limit"], "1000");
    f.server.setLimits({ identities: { "octo-bot": { core: 0 } } });
    assert.equal((await failure(f.octokit.repos.get(o))).status, 403);
    f.server.setLimits("off");
    assert.equal((await f.octokit.repos.get(o)).status, 200);
    assert.equal(f.server.usage().points, 2);
  });
});
