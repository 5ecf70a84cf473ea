import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Fixture, setup } from "./test-helpers.js";

interface IssueNode {
  number: number;
  title: string;
  author: { login: string; __typename: string };
  labels: { nodes: { name: string }[] };
}

describe("GraphQL", () => {
  let f: Fixture;
  before(async () => {
    f = await setup();
    const o = { owner: f.owner, repo: f.repo };
    for (let i = 1; i <= 5; i++) {
      await f.octokit.issues.create({
        ...o,
        title: `goal ${i}`,
        body: `body ${i}`,
        labels: [i <= 3 ? "goal:queued" : "goal:draft"],
      });
    }
    for (let i = 0; i < 4; i++) {
      await f.octokit.issues.createComment({ ...o, issue_number: 1, body: `comment ${i}` });
    }
    const { data: story } = await f.octokit.issues.create({ ...o, title: "story" });
    const { data: goal1 } = await f.octokit.issues.get({ ...o, issue_number: 1 });
    await f.octokit.issues.addSubIssue({
      ...o,
      issue_number: story.number,
      sub_issue_id: goal1.id,
    });
    await f.octokit.issues.update({
      ...o,
      issue_number: 2,
      state: "closed",
      state_reason: "completed",
    });
  });
  after(async () => {
    await f.server.close();
  });
  beforeEach(() => {
    f.server.violations.length = 0;
  });

  async function raw(query: string, variables?: Record<string, unknown>) {
    const res = await fetch(`${f.server.url}/graphql`, {
      method: "POST",
      headers: { authorization: `bearer ${f.token}`, "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        data?: unknown;
        errors?: { message: string; type?: string; path?: unknown[] }[];
      },
    };
  }

  it("answers viewer and repository fields", async () => {
    const result = await f.octokit.graphql<{
      viewer: { login: string };
      repository: { id: string; databaseId: number; nameWithOwner: string };
    }>(
      'query Who { viewer { login } repository(owner: "acme", name: "widgets") { id databaseId nameWithOwner } }',
    );
    assert.equal(result.viewer.login, "octo-bot");
    assert.equal(result.repository.nameWithOwner, "acme/widgets");
    assert.equal(f.server.requests.at(-1)?.graphqlOperationName, "Who");
    assert.equal(f.server.requests.at(-1)?.operationId, "graphql");
    const { data: repo } = await f.octokit.repos.get({ owner: f.owner, repo: f.repo });
    assert.equal(result.repository.databaseId, repo.id);
    assert.equal(result.repository.id, repo.node_id);
    f.server.assertNoViolations();
  });

  it("filters, orders and pages issues with cursors", async () => {
    const query = `query($after: String) { repository(owner: "acme", name: "widgets") {
      issues(first: 2, after: $after, labels: ["goal:queued"], states: [OPEN], orderBy: {field: CREATED_AT, direction: ASC}) {
        totalCount pageInfo { hasNextPage endCursor } nodes { number title author { login __typename } labels(first: 10) { nodes { name } } }
      } } }`;
    type Page = {
      repository: {
        issues: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string };
          nodes: IssueNode[];
        };
      };
    };
    const first = await f.octokit.graphql<Page>(query, {});
    assert.equal(first.repository.issues.totalCount, 2);
    assert.deepEqual(
      first.repository.issues.nodes.map((n) => n.number),
      [1, 3],
    );
    assert.equal(first.repository.issues.nodes[0]?.author.__typename, "User");
    assert.deepEqual(first.repository.issues.nodes[0]?.labels.nodes, [{ name: "goal:queued" }]);
    assert.equal(first.repository.issues.pageInfo.hasNextPage, false);

    const all: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = await f.octokit.graphql<Page>(
        query
          .replace('labels: ["goal:queued"], states: [OPEN], ', "")
          .replace("first: 2", "first: 100")
          .replace("ASC", "DESC"),
        { after },
      );
      all.push(...page.repository.issues.nodes.map((n) => n.number));
      if (!page.repository.issues.pageInfo.hasNextPage) break;
      after = page.repository.issues.pageInfo.endCursor;
    }
    assert.deepEqual(all, [6, 5, 4, 3, 2, 1]);
    const paged = await f.octokit.graphql<Page>(
      query
        .replace('labels: ["goal:queued"], states: [OPEN], ', "")
        .replace("first: 2", "first: 4"),
      {},
    );
    assert.equal(paged.repository.issues.pageInfo.hasNextPage, true);
    const rest = await f.octokit.graphql<Page>(
      query
        .replace('labels: ["goal:queued"], states: [OPEN], ', "")
        .replace("first: 2", "first: 4"),
      {
        after: paged.repository.issues.pageInfo.endCursor,
      },
    );
    assert.deepEqual(
      rest.repository.issues.nodes.map((n) => n.number),
      [5, 6],
    );
    f.server.assertNoViolations();
  });

  it("serves issue fields, comments (last/before), parent, aliases and fragments", async () => {
    const result = await f.octokit.graphql<Record<string, Record<string, unknown>>>(`
      query { repository(owner: "acme", name: "widgets") {
        a: issue(number: 1) { ...Goal comments(last: 2) { totalCount pageInfo { hasPreviousPage startCursor } nodes { databaseId body createdAt author { login } } } parent { number repository { nameWithOwner } } }
        b: issue(number: 2) { ... on Issue { number state stateReason } }
      } }
      fragment Goal on Issue { id databaseId number title body state stateReason url createdAt author { login } }`);
    const repo = result.repository as Record<string, Record<string, unknown>>;
    const a = repo.a as Record<string, unknown>;
    assert.equal(a.number, 1);
    assert.equal(a.state, "OPEN");
    assert.equal(a.stateReason, null);
    assert.equal(a.body, "body 1");
    const comments = a.comments as {
      totalCount: number;
      pageInfo: { hasPreviousPage: boolean; startCursor: string };
      nodes: { body: string; databaseId: number }[];
    };
    assert.equal(comments.totalCount, 4);
    assert.deepEqual(
      comments.nodes.map((c) => c.body),
      ["comment 2", "comment 3"],
    );
    assert.equal(comments.pageInfo.hasPreviousPage, true);
    assert.deepEqual(a.parent, { number: 6, repository: { nameWithOwner: "acme/widgets" } });
    assert.deepEqual(repo.b, { number: 2, state: "CLOSED", stateReason: "COMPLETED" });
    const { data: rest } = await f.octokit.issues.get({
      owner: f.owner,
      repo: f.repo,
      issue_number: 1,
    });
    assert.equal(a.databaseId, rest.id);
    assert.equal(a.id, rest.node_id);
    const earlier = await f.octokit.graphql<{
      repository: { issue: { comments: { nodes: { body: string }[] } } };
    }>(
      `query($before: String) { repository(owner: "acme", name: "widgets") { issue(number: 1) { comments(last: 10, before: $before) { nodes { body } } } } }`,
      { before: comments.pageInfo.startCursor },
    );
    assert.deepEqual(
      earlier.repository.issue.comments.nodes.map((c) => c.body),
      ["comment 0", "comment 1"],
    );
    f.server.assertNoViolations();
  });

  it("answers a missing issue with null and a NOT_FOUND error, which is not a violation", async () => {
    const res = await raw(
      `{ repository(owner: "acme", name: "widgets") { issue(number: 99) { number } } }`,
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, { repository: { issue: null } });
    assert.equal(res.body.errors?.[0]?.type, "NOT_FOUND");
    assert.equal(
      res.body.errors?.[0]?.message,
      "Could not resolve to an Issue with the number of 99.",
    );
    assert.deepEqual(res.body.errors?.[0]?.path, ["repository", "issue"]);
    f.server.assertNoViolations();
  });

  it("rejects a malformed document as a violation", async () => {
    const res = await raw("{ viewer { login }");
    assert.equal(res.status, 200);
    assert.ok(res.body.errors?.length);
    assert.equal(res.body.data, undefined);
    assert.match(f.server.violations[0] ?? "", /parse error/);
  });

  it("rejects a field GitHub's schema lacks as a violation", async () => {
    const res = await raw(
      `{ repository(owner: "acme", name: "widgets") { issue(number: 1) { blockedBy(first: 5) { nodes { number } } } } }`,
    );
    assert.match(res.body.errors?.[0]?.message ?? "", /blockedBy/);
    assert.match(f.server.violations[0] ?? "", /validation error/);
  });

  it("requires first/last and caps them at 100, as GitHub does", async () => {
    const missing = await raw(
      `{ repository(owner: "acme", name: "widgets") { issues { totalCount } } }`,
    );
    assert.match(missing.body.errors?.[0]?.message ?? "", /must provide a `first` or `last`/);
    const excessive = await raw(
      `{ repository(owner: "acme", name: "widgets") { issues(first: 101) { totalCount } } }`,
    );
    assert.match(excessive.body.errors?.[0]?.message ?? "", /exceeds the `first` limit of 100/);
    assert.equal(f.server.violations.length, 2);
  });

  it("reports a schema field the test server does not implement instead of answering null", async () => {
    const res = await raw(
      `{ repository(owner: "acme", name: "widgets") { issue(number: 1) { number milestone { title } } } }`,
    );
    assert.match(res.body.errors?.[0]?.message ?? "", /does not implement Issue\.milestone/);
    assert.equal(f.server.violations.length, 1);
  });

  it("answers introspection like GitHub (used by clients such as gh)", async () => {
    const res = await raw(`{ __type(name: "Issue") { fields { name } } }`);
    const names = (res.body.data as { __type: { fields: { name: string }[] } }).__type.fields.map(
      (x) => x.name,
    );
    assert.ok(names.includes("subIssues"));
    f.server.assertNoViolations();
  });

  it("names a Bot actor without the [bot] suffix, but the bot's own viewer with it, as GitHub does", async () => {
    const bot = f.server.addUser({ login: "goal-app[bot]", type: "Bot" });
    const res = await fetch(`${f.server.url}/graphql`, {
      method: "POST",
      headers: { authorization: `bearer ${bot.token}` },
      body: JSON.stringify({ query: "{ viewer { login } }" }),
    });
    // viewer is a User in GitHub's schema, which answers an App installation's token with the
    // REST login, "[bot]" included; an issue's author (an Actor) shows the Bot type, without it.
    assert.deepEqual(((await res.json()) as { data: unknown }).data, {
      viewer: { login: "goal-app[bot]" },
    });
    const created = await fetch(`${f.server.url}/repos/acme/widgets/issues`, {
      method: "POST",
      headers: { authorization: `bearer ${bot.token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "by a bot" }),
    });
    const issue = (await created.json()) as {
      number: number;
      user: { login: string; type: string };
    };
    assert.deepEqual([issue.user.login, issue.user.type], ["goal-app[bot]", "Bot"]);
    const q = await f.octokit.graphql<{
      repository: { issue: { author: { login: string; __typename: string } } };
    }>(
      `query($n: Int!) { repository(owner: "acme", name: "widgets") { issue(number: $n) { author { login __typename } } } }`,
      { n: issue.number },
    );
    assert.deepEqual(q.repository.issue.author, { login: "goal-app", __typename: "Bot" });
    f.server.assertNoViolations();
  });

  it("answers 401 for a bad token", async () => {
    const res = await fetch(`${f.server.url}/graphql`, {
      method: "POST",
      headers: { authorization: "bearer wrong" },
      body: JSON.stringify({ query: "{ viewer { login } }" }),
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { message: string }).message, "Bad credentials");
  });
});
