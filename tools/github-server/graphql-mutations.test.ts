import assert from "node:assert/strict";
import { after, beforeEach, describe, it } from "node:test";
import { type Fixture, setup } from "./test-helpers.js";

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; type?: string; path?: unknown[] }[];
}

type IssuePayload = {
  issue: { number: number; updatedAt: string; labels: { nodes: { name: string }[] } };
} | null;
type CommentPayload = { issueComment: { id: string; body: string; updatedAt: string } } | null;

const ISSUE_FIELDS = "issue { number updatedAt labels(first: 10) { nodes { name } } }";
const COMMENT_FIELDS = "issueComment { id body updatedAt }";

describe("GraphQL updateIssue, addComment and updateIssueComment", () => {
  let f: Fixture;
  const o = { owner: "acme", repo: "widgets" };
  // Node ids as REST hands them out.
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    if (f) await f.server.close();
    f = await setup();
    for (const name of ["goal:queued", "goal:running", "claimed"]) {
      const { data } = await f.octokit.issues.createLabel({ ...o, name });
      ids[name] = data.node_id;
    }
    for (const n of [1, 2]) {
      const { data: issue } = await f.octokit.issues.create({
        ...o,
        title: `goal ${n}`,
        labels: ["goal:queued"],
      });
      ids[`issue${n}`] = issue.node_id;
      const { data: comment } = await f.octokit.issues.createComment({
        ...o,
        issue_number: issue.number,
        body: `claim ${n}`,
      });
      ids[`comment${n}`] = comment.node_id;
    }
  });
  after(async () => {
    await f.server.close();
  });

  async function graphql(
    query: string,
    variables?: Record<string, unknown>,
    token = f.token,
  ): Promise<Answer> {
    const res = await fetch(`${f.server.url}/graphql`, {
      method: "POST",
      headers: { authorization: `bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as Answer;
  }

  const labelsOf = (n: number) =>
    f.server.getIssue(o.owner, o.repo, n)?.labels.map((l) => l.name) ?? [];

  it("applies many aliased mutations of one request, in order", async () => {
    f.server.state.clock.advance(60_000);
    const answer = await graphql(
      `mutation Claim($i0: ID!, $l0: [ID!]!, $i1: ID!, $l1: [ID!]!, $c0: ID!, $b0: String!,
                      $c1: ID!, $b1: String!) {
        g0: updateIssue(input: { id: $i0, labelIds: $l0 }) { ${ISSUE_FIELDS} }
        g1: updateIssue(input: { id: $i1, labelIds: $l1 }) { ${ISSUE_FIELDS} }
        m0: updateIssueComment(input: { id: $c0, body: $b0 }) { ${COMMENT_FIELDS} }
        m1: updateIssueComment(input: { id: $c1, body: $b1 }) { ${COMMENT_FIELDS} }
      }`,
      {
        i0: ids.issue1,
        l0: [ids["goal:running"], ids.claimed],
        i1: ids.issue2,
        l1: [ids["goal:running"]],
        c0: ids.comment1,
        b0: "claimed by run 7",
        c1: ids.comment2,
        b1: "claimed by run 8",
      },
    );
    assert.equal(answer.errors, undefined);
    const data = answer.data as Record<string, IssuePayload & CommentPayload>;
    const g0 = (data.g0 as IssuePayload)?.issue;
    const g1 = (data.g1 as IssuePayload)?.issue;
    const m0 = (data.m0 as CommentPayload)?.issueComment;
    const m1 = (data.m1 as CommentPayload)?.issueComment;
    assert.deepEqual(
      g0?.labels.nodes.map((l) => l.name),
      ["goal:running", "claimed"],
    );
    assert.deepEqual(
      g1?.labels.nodes.map((l) => l.name),
      ["goal:running"],
    );
    assert.deepEqual([m0?.id, m0?.body], [ids.comment1, "claimed by run 7"]);
    assert.deepEqual([m1?.id, m1?.body], [ids.comment2, "claimed by run 8"]);
    // Executed serially in document order: each change is later than the previous one.
    const times = [g0?.updatedAt, g1?.updatedAt, m0?.updatedAt, m1?.updatedAt].map((t) =>
      Date.parse(String(t)),
    );
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
    );
    assert.equal(new Set(times).size, 4);

    // The model and REST agree.
    assert.deepEqual(labelsOf(1), ["goal:running", "claimed"]);
    assert.deepEqual(labelsOf(2), ["goal:running"]);
    const { data: comment } = await f.octokit.issues.getComment({
      ...o,
      comment_id: f.server.getIssue(o.owner, o.repo, 1)?.comments[0]?.id ?? 0,
    });
    assert.equal(comment.body, "claimed by run 7");
    assert.ok(Date.parse(comment.updated_at) > Date.parse(comment.created_at));

    // The timeline shows who changed the labels (the vouching code reads it).
    const timeline = await graphql(`{
      repository(owner: "acme", name: "widgets") {
        issue(number: 1) {
          timelineItems(first: 10, itemTypes: [LABELED_EVENT, UNLABELED_EVENT]) {
            nodes {
              __typename
              ... on LabeledEvent { createdAt actor { login } label { name } }
              ... on UnlabeledEvent { createdAt actor { login } label { name } }
            }
          }
        }
      }
    }`);
    const items = (
      timeline.data as {
        repository: {
          issue: {
            timelineItems: {
              nodes: { __typename: string; actor: { login: string }; label: { name: string } }[];
            };
          };
        };
      }
    ).repository.issue.timelineItems.nodes;
    assert.deepEqual(
      items.map((e) => `${e.__typename} ${e.label.name} by ${e.actor.login}`),
      [
        "LabeledEvent goal:queued by octo-bot",
        "UnlabeledEvent goal:queued by octo-bot",
        "LabeledEvent goal:running by octo-bot",
        "LabeledEvent claimed by octo-bot",
      ],
    );
    const { data: events } = await f.octokit.issues.listEvents({ ...o, issue_number: 1 });
    assert.deepEqual(
      events.map((e) => `${e.event} ${"label" in e ? e.label.name : ""} ${e.actor?.login}`),
      [
        "labeled goal:queued octo-bot",
        "unlabeled goal:queued octo-bot",
        "labeled goal:running octo-bot",
        "labeled claimed octo-bot",
      ],
    );

    // Edits in place: a mutation, not content-creating.
    const entry = f.server.requests.find((r) => r.graphqlOperationName === "Claim");
    assert.equal(entry?.mutation, true);
    assert.equal(entry?.contentCreating, 0);
    f.server.assertNoViolations();
  });

  it("runs two updates of one issue in order: the later label set wins", async () => {
    const answer = await graphql(
      `mutation($i: ID!, $a: [ID!]!, $b: [ID!]!) {
        first: updateIssue(input: { id: $i, labelIds: $a }) { issue { number } }
        second: updateIssue(input: { id: $i, labelIds: $b }) { issue { number } }
      }`,
      { i: ids.issue1, a: [ids.claimed], b: [ids["goal:running"]] },
    );
    assert.equal(answer.errors, undefined);
    assert.deepEqual(labelsOf(1), ["goal:running"]);
    const events = f.server.getIssue(o.owner, o.repo, 1)?.events ?? [];
    assert.deepEqual(
      events.map((e) => (e.kind === "renamed" ? e.kind : `${e.kind} ${e.label.name}`)),
      [
        "labeled goal:queued",
        "unlabeled goal:queued",
        "labeled claimed",
        "unlabeled claimed",
        "labeled goal:running",
      ],
    );
    f.server.assertNoViolations();
  });

  it("edits title, body and state as REST issues/update records them", async () => {
    const answer = await graphql(
      `mutation($i: ID!) {
        updateIssue(input: { id: $i, title: "renamed", body: "new body", state: CLOSED }) {
          issue { title body state }
        }
      }`,
      { i: ids.issue1 },
    );
    assert.equal(answer.errors, undefined);
    assert.deepEqual(answer.data?.updateIssue, {
      issue: {
        title: "renamed",
        body: "new body",
        state: "CLOSED",
      },
    });
    const issue = f.server.getIssue(o.owner, o.repo, 1);
    assert.equal(issue?.editor?.login, "octo-bot");
    assert.equal(issue?.userContentEdits.length, 2);
    assert.equal(issue?.events.at(-1)?.kind, "renamed");
    assert.equal(issue?.stateReason, "completed");
    f.server.assertNoViolations();
  });

  it("refuses a read-only user and changes nothing", async () => {
    const reader = f.server.addUser({ login: "reader" });
    f.server.setPermission(o.owner, o.repo, "reader", "read");
    const issue = f.server.getIssue(o.owner, o.repo, 1);
    const before = {
      labels: labelsOf(1),
      events: issue?.events.length,
      updatedAt: issue?.updatedAt,
      comment: { ...issue?.comments[0] },
    };
    const answer = await graphql(
      `mutation($i: ID!, $l: [ID!]!, $c: ID!, $b: String!) {
        g: updateIssue(input: { id: $i, labelIds: $l }) { issue { number } }
        m: updateIssueComment(input: { id: $c, body: $b }) { issueComment { id } }
      }`,
      { i: ids.issue1, l: [ids.claimed], c: ids.comment1, b: "hijacked" },
      reader.token,
    );
    assert.deepEqual(answer.data, { g: null, m: null });
    assert.deepEqual(
      answer.errors?.map((e) => [e.type, e.message, e.path]),
      [
        [
          "FORBIDDEN",
          "reader does not have the correct permissions to execute `UpdateIssue`",
          ["g"],
        ],
        [
          "FORBIDDEN",
          "reader does not have the correct permissions to execute `UpdateIssueComment`",
          ["m"],
        ],
      ],
    );
    assert.deepEqual(labelsOf(1), before.labels);
    assert.equal(issue?.events.length, before.events);
    assert.equal(issue?.updatedAt, before.updatedAt);
    assert.deepEqual({ ...issue?.comments[0] }, before.comment);
    f.server.assertNoViolations(); // a refusal reflects the data, not a bad request
  });

  it("refuses an installation's bot without write access as GitHub words it", async () => {
    const bot = f.server.addUser({ login: "helper[bot]", type: "Bot" });
    f.server.setPermission(o.owner, o.repo, "helper[bot]", "read");
    const answer = await graphql(
      `mutation($i: ID!, $l: [ID!]!) { updateIssue(input: { id: $i, labelIds: $l }) { issue { number } } }`,
      { i: ids.issue1, l: [ids.claimed] },
      bot.token,
    );
    assert.deepEqual(
      answer.errors?.map((e) => [e.type, e.message]),
      [["FORBIDDEN", "Resource not accessible by integration"]],
    );
    assert.deepEqual(labelsOf(1), ["goal:queued"]);
  });

  it("lets a read-only author edit the text of their own issue and comment, not its labels", async () => {
    const reader = f.server.addUser({ login: "reader" });
    f.server.setPermission(o.owner, o.repo, "reader", "read");
    const readerModel = f.server.state.userByLogin("reader");
    assert.ok(readerModel);
    const issue = f.server.state.createIssue(f.server.state.requireRepo(o.owner, o.repo), {
      title: "mine",
      author: readerModel,
    });
    const comment = f.server.state.addComment(issue, readerModel, "hi");
    const answer = await graphql(
      `mutation($i: ID!, $c: ID!, $l: [ID!]!) {
        t: updateIssue(input: { id: $i, title: "still mine" }) { issue { title } }
        m: updateIssueComment(input: { id: $c, body: "edited" }) { issueComment { body } }
        l: updateIssue(input: { id: $i, labelIds: $l }) { issue { title } }
      }`,
      { i: issue.nodeId, c: comment.nodeId, l: [ids.claimed] },
      reader.token,
    );
    assert.deepEqual(answer.data, {
      t: { issue: { title: "still mine" } },
      m: { issueComment: { body: "edited" } },
      l: null,
    });
    assert.equal(answer.errors?.[0]?.type, "FORBIDDEN");
    assert.deepEqual(issue.labels, []);
  });

  it("answers NOT_FOUND for unknown ids and refuses another repository's label", async () => {
    f.server.createRepository({ owner: "acme", name: "other" });
    const { data: foreign } = await f.octokit.issues.createLabel({
      owner: "acme",
      repo: "other",
      name: "claimed",
    });
    const answer = await graphql(
      `mutation($i: ID!, $l: [ID!]!, $bad: [ID!]!, $foreign: [ID!]!) {
        a: updateIssue(input: { id: "I_nope", labelIds: $l }) { issue { number } }
        b: updateIssueComment(input: { id: "IC_nope", body: "x" }) { issueComment { id } }
        c: updateIssue(input: { id: $i, labelIds: $bad }) { issue { number } }
        d: updateIssue(input: { id: $i, labelIds: $foreign }) { issue { number } }
        e: updateIssueComment(input: { id: $i, body: "x" }) { issueComment { id } }
      }`,
      { i: ids.issue1, l: [ids.claimed], bad: ["LA_nope"], foreign: [foreign.node_id] },
    );
    assert.deepEqual(answer.data, { a: null, b: null, c: null, d: null, e: null });
    assert.deepEqual(
      answer.errors?.map((e) => [e.path?.[0], e.type, e.message]),
      [
        ["a", "NOT_FOUND", "Could not resolve to a node with the global id of 'I_nope'"],
        ["b", "NOT_FOUND", "Could not resolve to a node with the global id of 'IC_nope'"],
        ["c", "NOT_FOUND", "Could not resolve to a node with the global id of 'LA_nope'"],
        [
          "d",
          "UNPROCESSABLE",
          `Label 'claimed' (${foreign.node_id}) belongs to acme/other, not to acme/widgets`,
        ],
        ["e", "NOT_FOUND", `Could not resolve to a node with the global id of '${ids.issue1}'`],
      ],
    );
    assert.deepEqual(labelsOf(1), ["goal:queued"]);
    f.server.assertNoViolations();
  });

  it("answers NOT_FOUND for a deleted comment", async () => {
    const id = f.server.getIssue(o.owner, o.repo, 1)?.comments[0]?.id ?? 0;
    await f.octokit.issues.deleteComment({ ...o, comment_id: id });
    const answer = await graphql(
      `mutation($c: ID!) { updateIssueComment(input: { id: $c, body: "x" }) { issueComment { id } } }`,
      { c: ids.comment1 },
    );
    assert.equal(answer.errors?.[0]?.type, "NOT_FOUND");
  });

  it("refuses a body over 65,536 characters and keeps the old one", async () => {
    const answer = await graphql(
      `mutation($c: ID!, $i: ID!, $b: String!, $ok: String!) {
        max: updateIssueComment(input: { id: $c, body: $ok }) { issueComment { id } }
        long: updateIssueComment(input: { id: $c, body: $b }) { issueComment { id } }
        blank: updateIssueComment(input: { id: $c, body: "" }) { issueComment { id } }
        issue: updateIssue(input: { id: $i, body: $b }) { issue { number } }
      }`,
      { c: ids.comment2, i: ids.issue2, b: "x".repeat(65_537), ok: "y".repeat(65_536) },
    );
    assert.deepEqual(
      answer.errors?.map((e) => [e.path?.[0], e.type, e.message]),
      [
        ["long", "UNPROCESSABLE", "Body is too long (maximum is 65536 characters)"],
        ["blank", "UNPROCESSABLE", "Body can't be blank"],
        ["issue", "UNPROCESSABLE", "Body is too long (maximum is 65536 characters)"],
      ],
    );
    const issue = f.server.getIssue(o.owner, o.repo, 2);
    assert.equal(issue?.comments[0]?.body, "y".repeat(65_536));
    assert.equal(issue?.body, null);
    assert.deepEqual(issue?.userContentEdits, []);
    f.server.assertNoViolations();
  });

  it("adds aliased comments in order, each one content; a refused one leaves the others", async () => {
    const answer = await graphql(
      `mutation AddComments($one: ID!, $two: ID!) {
        first: addComment(input: { subjectId: $one, body: "claim A" }) { commentEdge { node { id databaseId body author { login } } } }
        gone: addComment(input: { subjectId: "I_nope", body: "claim B" }) { commentEdge { node { id } } }
        blank: addComment(input: { subjectId: $two, body: " " }) { commentEdge { node { id } } }
        second: addComment(input: { subjectId: $two, body: "claim C" }) { commentEdge { node { databaseId } } }
      }`,
      { one: ids.issue1, two: ids.issue2 },
    );
    assert.deepEqual(
      answer.errors?.map((e) => [e.path?.[0], e.type, e.message]),
      [
        ["gone", "NOT_FOUND", "Could not resolve to a node with the global id of 'I_nope'"],
        ["blank", "UNPROCESSABLE", "Body can't be blank"],
      ],
    );
    type Added = { commentEdge: { node: { id?: string; databaseId: number; body?: string } } };
    const data = answer.data as { first: Added; second: Added; gone: null; blank: null };
    assert.equal(data.gone, null);
    assert.equal(data.first.commentEdge.node.body, "claim A");
    const { data: rest } = await f.octokit.issues.listComments({ ...o, issue_number: 1 });
    assert.deepEqual(
      rest.map((c) => [c.id, c.node_id, c.body]),
      [
        [rest[0]?.id, ids.comment1, "claim 1"],
        [data.first.commentEdge.node.databaseId, data.first.commentEdge.node.id, "claim A"],
      ],
      "REST reads the comment under the ids the mutation answered",
    );
    assert.ok(data.second.commentEdge.node.databaseId > data.first.commentEdge.node.databaseId);
    const entry = f.server.requests.find((r) => r.graphqlOperationName === "AddComments");
    assert.equal(entry?.contentCreating, 4, "each addComment counts, the refused ones too");
    f.server.assertNoViolations();
  });

  it("reports input fields it does not implement as a contract violation", async () => {
    const answer = await graphql(
      `mutation($i: ID!, $u: [ID!]!) {
        updateIssue(input: { id: $i, assigneeIds: $u }) { issue { number } }
      }`,
      { i: ids.issue1, u: [] },
    );
    assert.equal(answer.errors?.[0]?.type, "NOT_IMPLEMENTED");
    assert.match(String(f.server.violations[0]), /UpdateIssueInput\.assigneeIds/);
    f.server.violations.length = 0;
  });
});
