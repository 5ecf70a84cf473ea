// Who changed an issue's text and labels, and when: body edits (lastEditedAt, editor,
// userContentEdits), title renames and label events, on GraphQL and REST (issues/list-events).
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { Octokit } from "@octokit/rest";
import { type GitHubServer, startGitHubServer } from "./server.js";
import { statusOf } from "./test-helpers.js";

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const OWNER = "acme";
const REPO = "widgets";
const o = { owner: OWNER, repo: REPO };

/** The query the orchestrator sends to decide whether an issue's text was vouched for. */
const GOAL_TEXT_HISTORY = `
query GoalTextHistory($o0: String!, $r0: String!, $n0_0: Int!, $n0_1: Int!) {
  r0: repository(owner: $o0, name: $r0) {
    i0: issue(number: $n0_0) { ...history }
    i1: issue(number: $n0_1) { ...history }
  }
}
fragment history on Issue {
  number title body createdAt lastEditedAt
  author { login __typename }
  editor { login __typename }
  timelineItems(last: 50, itemTypes: [LABELED_EVENT, RENAMED_TITLE_EVENT]) {
    totalCount
    nodes {
      __typename
      ... on LabeledEvent { createdAt actor { login __typename } label { name } }
      ... on RenamedTitleEvent { createdAt actor { login __typename } }
    }
  }
}`;

interface Actor {
  login: string;
  __typename: string;
}
interface TimelineNode {
  __typename: string;
  createdAt: string;
  actor: Actor | null;
  label?: { name: string };
  previousTitle?: string;
  currentTitle?: string;
}
interface Timeline {
  totalCount: number;
  filteredCount?: number;
  pageCount?: number;
  nodes: TimelineNode[];
  pageInfo?: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}
interface Edits {
  totalCount: number;
  nodes: { editedAt: string; editor: Actor | null; diff: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface IssueHistory {
  number: number;
  title: string;
  body: string;
  createdAt: string;
  lastEditedAt: string | null;
  author: Actor;
  editor: Actor | null;
  includesCreatedEdit?: boolean;
  userContentEdits?: Edits;
  timelineItems?: Timeline;
}

function keyPair() {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

function jwt(key: KeyObject, iss: number, iat: number, exp: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat, exp, iss })}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
}

describe("Issue history: body edits, renames and label events", () => {
  let server: GitHubServer;
  let maintainer: Octokit;
  let helper: Octokit;
  let outsider: Octokit;
  const client = (auth: string) => new Octokit({ auth, baseUrl: server.url, log: quiet });

  before(async () => {
    server = await startGitHubServer();
    server.createRepository({ owner: OWNER, name: REPO });
    maintainer = client(server.addUser({ login: "maint" }).token);
    server.setPermission(OWNER, REPO, "maint", "write");
    helper = client(server.addUser({ login: "helper" }).token);
    server.setPermission(OWNER, REPO, "helper", "write");
    outsider = client(server.addUser({ login: "outsider" }).token);
    server.setPermission(OWNER, REPO, "outsider", "read");
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.violations.length = 0;
  });

  /** One issue's history fields through GraphQL, as `as`. */
  async function history(as: Octokit, number: number, fields: string): Promise<IssueHistory> {
    const result = await as.graphql<{ repository: { issue: IssueHistory } }>(
      `query History($owner: String!, $name: String!, $number: Int!) {
        repository(owner: $owner, name: $name) {
          issue(number: $number) {
            number title body createdAt lastEditedAt
            author { login __typename }
            editor { login __typename }
            ${fields}
          }
        }
      }`,
      { owner: OWNER, name: REPO, number },
    );
    return result.repository.issue;
  }

  const TIMELINE = `timelineItems(first: 50) {
    totalCount
    nodes {
      __typename
      ... on LabeledEvent { createdAt actor { login __typename } label { name } }
      ... on UnlabeledEvent { createdAt actor { login __typename } label { name } }
      ... on RenamedTitleEvent { createdAt actor { login __typename } previousTitle currentTitle }
      ... on IssueComment { createdAt }
    }
  }`;

  it("records body edits by another user: lastEditedAt, editor and userContentEdits", async () => {
    const { data: created } = await maintainer.issues.create({ ...o, title: "goal", body: "v1" });
    const fresh = await history(
      maintainer,
      created.number,
      "includesCreatedEdit userContentEdits(first: 10) { totalCount nodes { editedAt } }",
    );
    assert.equal(fresh.lastEditedAt, null);
    assert.equal(fresh.editor, null);
    assert.equal(fresh.includesCreatedEdit, false);
    assert.equal(fresh.userContentEdits?.totalCount, 0);

    server.state.clock.advance(60_000);
    const { data: edited } = await helper.issues.update({
      ...o,
      issue_number: created.number,
      body: "v2",
    });
    const edits = `includesCreatedEdit
      userContentEdits(first: 10) {
        totalCount
        nodes { editedAt editor { login __typename } diff }
        pageInfo { hasNextPage endCursor }
      }`;
    const once = await history(maintainer, created.number, edits);
    assert.equal(once.body, "v2");
    assert.equal(once.lastEditedAt, edited.updated_at);
    assert.ok(Date.parse(once.lastEditedAt ?? "") >= Date.parse(created.created_at) + 60_000);
    assert.deepEqual(once.editor, { login: "helper", __typename: "User" });
    assert.equal(once.includesCreatedEdit, true);
    // Newest first; once edited, the creation is a revision too (the author's, at createdAt).
    assert.deepEqual(once.userContentEdits, {
      totalCount: 2,
      nodes: [
        {
          editedAt: edited.updated_at,
          editor: { login: "helper", __typename: "User" },
          diff: "v2",
        },
        {
          editedAt: created.created_at,
          editor: { login: "maint", __typename: "User" },
          diff: "v1",
        },
      ],
      pageInfo: { hasNextPage: false, endCursor: once.userContentEdits?.pageInfo.endCursor },
    });

    // The same body again is no edit; a title change is no body edit either.
    server.state.clock.advance(60_000);
    await maintainer.issues.update({ ...o, issue_number: created.number, body: "v2" });
    await maintainer.issues.update({ ...o, issue_number: created.number, title: "goal!" });
    const still = await history(maintainer, created.number, edits);
    assert.equal(still.lastEditedAt, edited.updated_at);
    assert.equal(still.userContentEdits?.totalCount, 2);

    // A second edit by the author: newest first, paginated.
    const { data: again } = await maintainer.issues.update({
      ...o,
      issue_number: created.number,
      body: "v3",
    });
    const page = await history(
      maintainer,
      created.number,
      `userContentEdits(first: 1) { totalCount nodes { editedAt editor { login __typename } diff }
         pageInfo { hasNextPage endCursor } }`,
    );
    assert.deepEqual(page.editor, { login: "maint", __typename: "User" });
    assert.equal(page.lastEditedAt, again.updated_at);
    assert.equal(page.userContentEdits?.totalCount, 3);
    assert.deepEqual(page.userContentEdits?.nodes, [
      { editedAt: again.updated_at, editor: { login: "maint", __typename: "User" }, diff: "v3" },
    ]);
    assert.equal(page.userContentEdits?.pageInfo.hasNextPage, true);
    const oldest = await history(
      maintainer,
      created.number,
      "userContentEdits(last: 1) { totalCount nodes { editedAt diff } pageInfo { hasNextPage endCursor } }",
    );
    assert.deepEqual(oldest.userContentEdits?.nodes, [
      { editedAt: created.created_at, diff: "v1" },
    ]);
    assert.deepEqual(
      server.getIssue(OWNER, REPO, created.number)?.userContentEdits.map((e) => e.body),
      ["v1", "v2", "v3"],
    );
    server.assertNoViolations();
  });

  it("makes a title edit a RenamedTitleEvent that leaves lastEditedAt alone", async () => {
    const { data: created } = await maintainer.issues.create({ ...o, title: "old", body: "b" });
    server.state.clock.advance(5_000);
    const { data: renamed } = await helper.issues.update({
      ...o,
      issue_number: created.number,
      title: "new",
    });
    const issue = await history(
      maintainer,
      created.number,
      `userContentEdits(first: 5) { totalCount } ${TIMELINE}`,
    );
    assert.equal(issue.title, "new");
    assert.equal(issue.lastEditedAt, null);
    assert.equal(issue.editor, null);
    assert.equal(issue.userContentEdits?.totalCount, 0);
    assert.deepEqual(issue.timelineItems, {
      totalCount: 1,
      nodes: [
        {
          __typename: "RenamedTitleEvent",
          createdAt: renamed.updated_at,
          actor: { login: "helper", __typename: "User" },
          previousTitle: "old",
          currentTitle: "new",
        },
      ],
    });
    // The same title again renames nothing.
    await helper.issues.update({ ...o, issue_number: created.number, title: "new" });
    const { data: events } = await maintainer.issues.listEvents({
      ...o,
      issue_number: created.number,
    });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.event, "renamed");
    assert.equal(events[0]?.actor?.login, "helper");
    assert.equal(events[0]?.created_at, renamed.updated_at);
    assert.deepEqual((events[0] as { rename?: unknown }).rename, { from: "old", to: "new" });
    server.assertNoViolations();
  });

  it("records labeled/unlabeled events with actor and time, oldest first", async () => {
    const { data: created } = await maintainer.issues.create({
      ...o,
      title: "labels",
      labels: ["goal:draft", "area:x"],
    });
    const n = created.number;
    server.state.clock.advance(1_000);
    await helper.issues.addLabels({ ...o, issue_number: n, labels: ["goal:queued", "goal:draft"] });
    server.state.clock.advance(1_000);
    await maintainer.issues.setLabels({ ...o, issue_number: n, labels: ["goal:queued", "area:y"] });
    server.state.clock.advance(1_000);
    await helper.issues.removeLabel({ ...o, issue_number: n, name: "area:y" });
    await maintainer.issues.createComment({ ...o, issue_number: n, body: "a comment" });
    server.state.clock.advance(1_000);
    await maintainer.issues.update({ ...o, issue_number: n, labels: ["goal:running"] });
    server.state.clock.advance(1_000);
    await helper.issues.removeAllLabels({ ...o, issue_number: n });
    await helper.issues.removeAllLabels({ ...o, issue_number: n }); // nothing left: no events

    const issue = await history(maintainer, n, TIMELINE);
    const nodes = issue.timelineItems?.nodes ?? [];
    const summary = nodes.map((node) =>
      node.__typename === "IssueComment"
        ? "comment"
        : `${node.__typename === "LabeledEvent" ? "+" : "-"}${node.label?.name} by ${node.actor?.login}`,
    );
    assert.deepEqual(summary, [
      "+goal:draft by maint",
      "+area:x by maint",
      "+goal:queued by helper",
      "-goal:draft by maint",
      "-area:x by maint",
      "+area:y by maint",
      "-area:y by helper",
      "comment",
      "-goal:queued by maint",
      "+goal:running by maint",
      "-goal:running by helper",
    ]);
    // Labels given at creation are labeled at creation time; later ones as the clock moved.
    assert.equal(nodes[0]?.createdAt, created.created_at);
    assert.equal(nodes[1]?.createdAt, created.created_at);
    const times = nodes.map((node) => Date.parse(node.createdAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.ok((times[2] ?? 0) >= Date.parse(created.created_at) + 1_000);
    assert.equal(nodes[3]?.createdAt, nodes[4]?.createdAt); // one request, one moment

    // itemTypes, last, since and cursors.
    const labeled = await history(
      maintainer,
      n,
      `timelineItems(first: 50, itemTypes: [LABELED_EVENT]) {
        totalCount nodes { __typename ... on LabeledEvent { label { name } } } }`,
    );
    assert.equal(labeled.timelineItems?.totalCount, 5);
    assert.deepEqual(
      labeled.timelineItems?.nodes.map((node) => node.label?.name),
      ["goal:draft", "area:x", "goal:queued", "area:y", "goal:running"],
    );
    const newest = await history(
      maintainer,
      n,
      `timelineItems(last: 2, itemTypes: [LABELED_EVENT, UNLABELED_EVENT]) {
        totalCount filteredCount pageCount pageInfo { hasNextPage hasPreviousPage endCursor }
        nodes { __typename ... on UnlabeledEvent { label { name } } ... on LabeledEvent { label { name } } } }`,
    );
    assert.equal(newest.timelineItems?.totalCount, 10);
    assert.equal(newest.timelineItems?.filteredCount, 10);
    assert.equal(newest.timelineItems?.pageCount, 2);
    assert.deepEqual(
      newest.timelineItems?.nodes.map((node) => `${node.__typename} ${node.label?.name}`),
      ["LabeledEvent goal:running", "UnlabeledEvent goal:running"],
    );
    assert.equal(newest.timelineItems?.pageInfo?.hasPreviousPage, true);
    assert.equal(newest.timelineItems?.pageInfo?.hasNextPage, false);
    const since = nodes[8]?.createdAt ?? "";
    const recent = await history(
      maintainer,
      n,
      `timelineItems(first: 10, since: "${since}") { totalCount nodes { __typename } }`,
    );
    assert.equal(recent.timelineItems?.totalCount, 3);
    const first = await history(
      maintainer,
      n,
      "timelineItems(first: 4) { nodes { __typename } pageInfo { hasNextPage endCursor } }",
    );
    const rest = await history(
      maintainer,
      n,
      `timelineItems(first: 50, after: "${first.timelineItems?.pageInfo?.endCursor}") {
        totalCount nodes { __typename } }`,
    );
    assert.equal(first.timelineItems?.pageInfo?.hasNextPage, true);
    assert.equal(rest.timelineItems?.nodes.length, nodes.length - 4);
    const none = await history(
      maintainer,
      n,
      "timelineItems(first: 10, itemTypes: [CLOSED_EVENT]) { totalCount nodes { __typename } }",
    );
    assert.deepEqual(none.timelineItems, { totalCount: 0, nodes: [] });

    // REST issues/list-events: the same events (no comments), contract-checked.
    const { data: events } = await maintainer.issues.listEvents({
      ...o,
      issue_number: n,
      per_page: 100,
    });
    assert.deepEqual(
      events.map((e) => `${e.event} ${(e as { label?: { name: string } }).label?.name}`),
      summary
        .filter((s) => s !== "comment")
        .map((s) => `${s.startsWith("+") ? "labeled" : "unlabeled"} ${s.slice(1).split(" ")[0]}`),
    );
    server.assertNoViolations();
  });

  it("answers GoalTextHistory for a maintainer's goal and an outsider's goal", async () => {
    // i0: created and labelled by the maintainer, never edited.
    const { data: mine } = await maintainer.issues.create({
      ...o,
      title: "Maintainer goal",
      body: "Do the thing.",
      labels: ["goal:queued"],
    });
    // i1: an outsider's goal; labels they ask for are dropped (no events).
    const { data: theirs } = await outsider.issues.create({
      ...o,
      title: "Outsider goal",
      body: "Please do X.",
      labels: ["goal:queued"],
    });
    assert.deepEqual(theirs.labels, []);
    // Outsiders cannot touch the maintainer's issue, nor labels anywhere.
    assert.equal(
      await statusOf(outsider.issues.update({ ...o, issue_number: mine.number, body: "evil" })),
      403,
    );
    assert.equal(
      await statusOf(
        outsider.issues.addLabels({ ...o, issue_number: theirs.number, labels: ["goal:queued"] }),
      ),
      403,
    );
    server.state.clock.advance(60_000);
    // The maintainer vouches by queueing it…
    await maintainer.issues.addLabels({
      ...o,
      issue_number: theirs.number,
      labels: ["goal:queued"],
    });
    server.state.clock.advance(60_000);
    // …then the outsider edits title and body of their own issue (labels they send are dropped)…
    const { data: edited } = await outsider.issues.update({
      ...o,
      issue_number: theirs.number,
      title: "Outsider goal (v2)",
      body: "Please do Y instead.",
      labels: [],
    });
    assert.deepEqual(
      edited.labels.map((l) => (typeof l === "string" ? l : l.name)),
      ["goal:queued"],
    );
    server.state.clock.advance(60_000);
    // …and the maintainer re-labels it after reading the new text.
    await maintainer.issues.removeLabel({ ...o, issue_number: theirs.number, name: "goal:queued" });
    const { data: relabelled } = await maintainer.issues.addLabels({
      ...o,
      issue_number: theirs.number,
      labels: ["goal:queued"],
    });
    assert.deepEqual(
      relabelled.map((l) => l.name),
      ["goal:queued"],
    );
    const requeuedAt = server.getIssue(OWNER, REPO, theirs.number)?.events.at(-1)?.createdAt;
    const queuedAt = server.getIssue(OWNER, REPO, theirs.number)?.events[0]?.createdAt;

    const result = await helper.graphql<{ r0: { i0: IssueHistory; i1: IssueHistory } }>(
      GOAL_TEXT_HISTORY,
      { o0: OWNER, r0: REPO, n0_0: mine.number, n0_1: theirs.number },
    );
    const maint = { login: "maint", __typename: "User" };
    const out = { login: "outsider", __typename: "User" };
    assert.deepEqual(result.r0.i0, {
      number: mine.number,
      title: "Maintainer goal",
      body: "Do the thing.",
      createdAt: mine.created_at,
      lastEditedAt: null,
      author: maint,
      editor: null,
      timelineItems: {
        totalCount: 1,
        nodes: [
          {
            __typename: "LabeledEvent",
            createdAt: mine.created_at,
            actor: maint,
            label: { name: "goal:queued" },
          },
        ],
      },
    });
    assert.deepEqual(result.r0.i1, {
      number: theirs.number,
      title: "Outsider goal (v2)",
      body: "Please do Y instead.",
      createdAt: theirs.created_at,
      lastEditedAt: edited.updated_at,
      author: out,
      editor: out,
      timelineItems: {
        // The unlabeled event is not asked for.
        totalCount: 3,
        nodes: [
          {
            __typename: "LabeledEvent",
            createdAt: queuedAt,
            actor: maint,
            label: { name: "goal:queued" },
          },
          { __typename: "RenamedTitleEvent", createdAt: edited.updated_at, actor: out },
          {
            __typename: "LabeledEvent",
            createdAt: requeuedAt,
            actor: maint,
            label: { name: "goal:queued" },
          },
        ],
      },
    });
    // The vouching reads: queued before the edit, re-queued after it.
    assert.ok(Date.parse(queuedAt ?? "") < Date.parse(edited.updated_at));
    assert.ok(Date.parse(requeuedAt ?? "") > Date.parse(edited.updated_at));
    assert.equal(server.requests.at(-1)?.graphqlOperationName, "GoalTextHistory");
    server.assertNoViolations();
  });

  it("names a bot actor like GitHub: Bot `slug` on GraphQL, `slug[bot]` on REST", async () => {
    const keys = keyPair();
    const { appId } = server.addApp({
      slug: "goal-bot",
      publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    });
    const { installationId } = server.installApp(appId, OWNER, REPO);
    const now = Math.floor(Date.now() / 1000);
    const { data: minted } = await client(
      jwt(keys.privateKey, appId, now - 30, now + 540),
    ).apps.createInstallationAccessToken({ installation_id: installationId });
    const bot = client(minted.token);
    const { data: created } = await bot.issues.create({
      ...o,
      title: "bot goal",
      body: "x",
      labels: ["goal:queued"],
    });
    await bot.issues.update({ ...o, issue_number: created.number, body: "y" });
    const issue = await history(maintainer, created.number, TIMELINE);
    const actor = { login: "goal-bot", __typename: "Bot" };
    assert.deepEqual(issue.author, actor);
    assert.deepEqual(issue.editor, actor);
    assert.deepEqual(issue.timelineItems?.nodes[0]?.actor, actor);
    const { data: events } = await maintainer.issues.listEvents({
      ...o,
      issue_number: created.number,
    });
    assert.equal(events[0]?.actor?.login, "goal-bot[bot]");
    assert.equal(events[0]?.actor?.type, "Bot");
    server.assertNoViolations();
  });

  it("records renames and edits of pull requests too", async () => {
    server.setBranch(OWNER, REPO, "feature");
    const { data: pull } = await maintainer.pulls.create({
      ...o,
      title: "PR",
      body: "b1",
      head: "feature",
      base: "main",
    });
    server.state.clock.advance(1_000);
    const { data: updated } = await helper.pulls.update({
      ...o,
      pull_number: pull.number,
      title: "PR v2",
      body: "b2",
    });
    await helper.issues.addLabels({ ...o, issue_number: pull.number, labels: ["goal:queued"] });
    const result = await maintainer.graphql<{
      repository: { pullRequest: IssueHistory };
    }>(
      `query($number: Int!) { repository(owner: "acme", name: "widgets") {
        pullRequest(number: $number) {
          number title body createdAt lastEditedAt
          author { login __typename } editor { login __typename }
          timelineItems(first: 10, itemTypes: [RENAMED_TITLE_EVENT, LABELED_EVENT]) {
            totalCount
            nodes {
              __typename
              ... on RenamedTitleEvent { createdAt actor { login __typename } previousTitle currentTitle }
              ... on LabeledEvent { createdAt actor { login __typename } label { name } }
            }
          }
        } } }`,
      { number: pull.number },
    );
    const pr = result.repository.pullRequest;
    assert.equal(pr.lastEditedAt, updated.updated_at);
    assert.deepEqual(pr.editor, { login: "helper", __typename: "User" });
    assert.deepEqual(
      pr.timelineItems?.nodes.map((node) => node.__typename),
      ["RenamedTitleEvent", "LabeledEvent"],
    );
    assert.equal(pr.timelineItems?.nodes[0]?.previousTitle, "PR");
    server.assertNoViolations();
  });

  it("lets tests edit and label as anyone without REST (editIssue, labelIssue)", async () => {
    const { data: created } = await maintainer.issues.create({ ...o, title: "t", body: "b" });
    server.state.clock.advance(1_000);
    server.editIssue(OWNER, REPO, created.number, { title: "t2", body: "b2" }, "stranger");
    server.state.clock.advance(1_000);
    server.labelIssue(OWNER, REPO, created.number, { add: ["goal:queued"] }, "maint");
    server.labelIssue(OWNER, REPO, created.number, { remove: ["goal:queued"] }, "helper");
    const issue = await history(maintainer, created.number, TIMELINE);
    assert.deepEqual(issue.editor, { login: "stranger", __typename: "User" });
    assert.equal(issue.title, "t2");
    assert.equal(issue.body, "b2");
    assert.deepEqual(
      issue.timelineItems?.nodes.map((node) => `${node.__typename} ${node.actor?.login}`),
      ["RenamedTitleEvent stranger", "LabeledEvent maint", "UnlabeledEvent helper"],
    );
    const model = server.getIssue(OWNER, REPO, created.number);
    assert.equal(model?.lastEditedAt, issue.lastEditedAt);
    assert.equal(model?.events[0]?.createdAt, issue.lastEditedAt);
    server.assertNoViolations();
  });

  it("rejects pagination mistakes on the new connections like GitHub", async () => {
    const { data: created } = await maintainer.issues.create({ ...o, title: "p" });
    for (const field of ["timelineItems", "userContentEdits"]) {
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: {
          authorization: `token ${server.addUser({ login: "maint" }).token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          query: `{ repository(owner: "acme", name: "widgets") { issue(number: ${created.number}) {
            ${field} { totalCount } } } }`,
        }),
      });
      const body = (await res.json()) as { errors?: { type?: string; message: string }[] };
      assert.equal(body.errors?.[0]?.type, "MISSING_PAGINATION_BOUNDARIES");
    }
    // Client mistakes are contract problems: reported, then cleared for the next test.
    assert.equal(server.violations.length, 2);
  });
});
