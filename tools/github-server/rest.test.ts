import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Fixture, setup, statusOf } from "./test-helpers.js";

describe("REST issues, labels and comments", () => {
  let f: Fixture;
  before(async () => {
    f = await setup();
  });
  after(async () => {
    await f.server.close();
  });
  beforeEach(() => {
    f.server.faults.clear();
  });

  it("creates an issue with labels by name, creating missing labels", async () => {
    const { data: issue } = await f.octokit.issues.create({
      owner: f.owner,
      repo: f.repo,
      title: "First goal",
      body: "## Objective\nDo it.",
      labels: ["goal:queued"],
    });
    assert.equal(issue.number, 1);
    assert.equal(issue.state, "open");
    assert.deepEqual(
      issue.labels.map((l) => (typeof l === "string" ? l : l.name)),
      ["goal:queued"],
    );
    assert.equal(issue.user?.login, "octo-bot");
    assert.ok(issue.url.startsWith(`${f.server.url}/repos/acme/widgets/issues/1`));
    const { data: label } = await f.octokit.issues.getLabel({
      owner: f.owner,
      repo: f.repo,
      name: "goal:queued",
    });
    assert.equal(label.name, "goal:queued");
    assert.equal(f.server.getIssue("acme", "widgets", 1)?.title, "First goal");
    f.server.assertNoViolations();
  });

  it("gets, updates, closes and reopens an issue", async () => {
    const { data: created } = await f.octokit.issues.create({
      owner: f.owner,
      repo: f.repo,
      title: "t",
    });
    const n = created.number;
    const { data: got } = await f.octokit.issues.get({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
    });
    assert.equal(got.id, created.id);
    const { data: closed } = await f.octokit.issues.update({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      state: "closed",
      state_reason: "not_planned",
      title: "renamed",
    });
    assert.equal(closed.state, "closed");
    assert.equal(closed.state_reason, "not_planned");
    assert.equal(closed.title, "renamed");
    assert.equal(closed.closed_by?.login, "octo-bot");
    assert.ok(closed.closed_at);
    const { data: reopened } = await f.octokit.issues.update({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      state: "open",
    });
    assert.equal(reopened.state_reason, "reopened");
    assert.equal(reopened.closed_at, null);
    assert.ok(Date.parse(reopened.updated_at) > Date.parse(created.updated_at));
    assert.equal(
      await statusOf(f.octokit.issues.get({ owner: f.owner, repo: f.repo, issue_number: 999 })),
      404,
    );
    f.server.assertNoViolations();
  });

  it("sets, adds, lists and removes labels; remove of an absent label is 404", async () => {
    const { data: issue } = await f.octokit.issues.create({
      owner: f.owner,
      repo: f.repo,
      title: "labels",
      labels: ["a"],
    });
    const n = issue.number;
    const { data: set } = await f.octokit.issues.setLabels({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      labels: ["goal:running", "spot-check"],
    });
    assert.deepEqual(
      set.map((l) => l.name),
      ["goal:running", "spot-check"],
    );
    const { data: added } = await f.octokit.issues.addLabels({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      labels: ["story"],
    });
    assert.deepEqual(
      added.map((l) => l.name),
      ["goal:running", "spot-check", "story"],
    );
    const { data: left } = await f.octokit.issues.removeLabel({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      name: "spot-check",
    });
    assert.deepEqual(
      left.map((l) => l.name),
      ["goal:running", "story"],
    );
    assert.equal(
      await statusOf(
        f.octokit.issues.removeLabel({
          owner: f.owner,
          repo: f.repo,
          issue_number: n,
          name: "spot-check",
        }),
      ),
      404,
    );
    const { data: listed } = await f.octokit.issues.listLabelsOnIssue({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
    });
    assert.deepEqual(
      listed.map((l) => l.name),
      ["goal:running", "story"],
    );
    f.server.assertNoViolations();
  });

  it("creates, updates and lists repository labels; duplicates are 422 already_exists", async () => {
    const { data: label } = await f.octokit.issues.createLabel({
      owner: f.owner,
      repo: f.repo,
      name: "goal:done",
      color: "0E8A16",
      description: "finished",
    });
    assert.equal(label.color, "0e8a16");
    const dup = f.octokit.issues.createLabel({
      owner: f.owner,
      repo: f.repo,
      name: "GOAL:DONE",
      color: "000000",
    });
    await assert.rejects(
      dup,
      (error: { status: number; response: { data: { errors: { code: string }[] } } }) => {
        assert.equal(error.status, 422);
        assert.equal(error.response.data.errors[0]?.code, "already_exists");
        return true;
      },
    );
    const { data: updated } = await f.octokit.issues.updateLabel({
      owner: f.owner,
      repo: f.repo,
      name: "goal:done",
      color: "ffffff",
      description: "merged or auto-merging",
    });
    assert.equal(updated.description, "merged or auto-merging");
    // GitHub keeps a label's description to 100 characters, on create and on update.
    for (const write of [
      () =>
        f.octokit.issues.createLabel({
          owner: f.owner,
          repo: f.repo,
          name: "long",
          description: "x".repeat(101),
        }),
      () =>
        f.octokit.issues.updateLabel({
          owner: f.owner,
          repo: f.repo,
          name: "goal:done",
          description: "x".repeat(101),
        }),
    ]) {
      await assert.rejects(
        write(),
        (error: { status: number; response: { data: { errors: { field: string }[] } } }) => {
          assert.equal(error.status, 422);
          assert.equal(error.response.data.errors[0]?.field, "description");
          return true;
        },
      );
    }
    await f.octokit.issues.updateLabel({
      owner: f.owner,
      repo: f.repo,
      name: "goal:done",
      description: "x".repeat(100),
    });
    await f.octokit.issues.updateLabel({
      owner: f.owner,
      repo: f.repo,
      name: "goal:done",
      description: "merged or auto-merging",
    });
    const all = await f.octokit.paginate(f.octokit.issues.listLabelsForRepo, {
      owner: f.owner,
      repo: f.repo,
      per_page: 2,
    });
    assert.ok(all.some((l) => l.name === "goal:done"));
    f.server.assertNoViolations();
  });

  it("creates, updates and pages through comments (Link header)", async () => {
    const { data: issue } = await f.octokit.issues.create({
      owner: f.owner,
      repo: f.repo,
      title: "comments",
    });
    const n = issue.number;
    for (let i = 0; i < 7; i++) {
      await f.octokit.issues.createComment({
        owner: f.owner,
        repo: f.repo,
        issue_number: n,
        body: `c${i}`,
      });
    }
    const first = await f.octokit.issues.listComments({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      per_page: 3,
    });
    assert.equal(first.data.length, 3);
    assert.match(first.headers.link ?? "", /rel="next"/);
    assert.match(
      first.headers.link ?? "",
      /page=3&per_page=3>; rel="last"|per_page=3&page=3>; rel="last"/,
    );
    const all = await f.octokit.paginate(f.octokit.issues.listComments, {
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      per_page: 3,
    });
    assert.deepEqual(
      all.map((c) => c.body),
      ["c0", "c1", "c2", "c3", "c4", "c5", "c6"],
    );
    const { data: edited } = await f.octokit.issues.updateComment({
      owner: f.owner,
      repo: f.repo,
      comment_id: all[6]?.id ?? 0,
      body: "edited",
    });
    assert.equal(edited.body, "edited");
    const since = await f.octokit.issues.listComments({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
      since: edited.updated_at,
    });
    assert.deepEqual(
      since.data.map((c) => c.body),
      ["edited"],
    );
    const { data: got } = await f.octokit.issues.get({
      owner: f.owner,
      repo: f.repo,
      issue_number: n,
    });
    assert.equal(got.comments, 7);
    f.server.assertNoViolations();
  });

  it("lists issues by state and labels, sorted and paginated, including pull requests like GitHub", async () => {
    const fx = await setup();
    try {
      const o = { owner: fx.owner, repo: fx.repo };
      for (let i = 1; i <= 5; i++) {
        await fx.octokit.issues.create({
          ...o,
          title: `g${i}`,
          labels: i % 2 ? ["goal:queued", "x"] : ["goal:draft"],
        });
      }
      await fx.octokit.issues.update({ ...o, issue_number: 5, state: "closed" });
      const open = await fx.octokit.paginate(fx.octokit.issues.listForRepo, {
        ...o,
        labels: "goal:queued,x",
        per_page: 1,
      });
      assert.deepEqual(
        open.map((i) => i.number),
        [3, 1],
      );
      const asc = await fx.octokit.issues.listForRepo({
        ...o,
        state: "all",
        direction: "asc",
        sort: "created",
      });
      assert.deepEqual(
        asc.data.map((i) => i.number),
        [1, 2, 3, 4, 5],
      );
      const page2 = await fx.octokit.issues.listForRepo({
        ...o,
        state: "all",
        per_page: 2,
        page: 2,
      });
      assert.deepEqual(
        page2.data.map((i) => i.number),
        [3, 2],
      );
      assert.match(page2.headers.link ?? "", /rel="prev"/);
      const byCreator = await fx.octokit.issues.listForRepo({ ...o, creator: "nobody" });
      assert.equal(byCreator.data.length, 0);
      fx.server.assertNoViolations();
    } finally {
      await fx.server.close();
    }
  });

  it("links sub-issues by id (not number) and refuses a second parent with 422", async () => {
    const o = { owner: f.owner, repo: f.repo };
    const { data: story } = await f.octokit.issues.create({
      ...o,
      title: "story",
      labels: ["story"],
    });
    const { data: other } = await f.octokit.issues.create({ ...o, title: "other story" });
    const { data: goal } = await f.octokit.issues.create({ ...o, title: "goal" });
    const { data: parent } = await f.octokit.issues.addSubIssue({
      ...o,
      issue_number: story.number,
      sub_issue_id: goal.id,
    });
    assert.equal(parent.number, story.number);
    assert.equal(parent.sub_issues_summary?.total, 1);
    const { data: subs } = await f.octokit.issues.listSubIssues({
      ...o,
      issue_number: story.number,
    });
    assert.deepEqual(
      subs.map((s) => s.number),
      [goal.number],
    );
    assert.equal(
      await statusOf(
        f.octokit.issues.addSubIssue({ ...o, issue_number: other.number, sub_issue_id: goal.id }),
      ),
      422,
    );
    // A number where the id belongs is not found.
    assert.equal(
      await statusOf(
        f.octokit.issues.addSubIssue({
          ...o,
          issue_number: other.number,
          sub_issue_id: goal.number,
        }),
      ),
      404,
    );
    const { data: up } = await f.octokit.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/parent",
      {
        ...o,
        issue_number: goal.number,
      },
    );
    assert.equal(up.number, story.number);
    f.server.assertNoViolations();
  });

  it("records blocked-by dependencies by issue id and lists both directions", async () => {
    const o = { owner: f.owner, repo: f.repo };
    const { data: a } = await f.octokit.issues.create({ ...o, title: "a" });
    const { data: b } = await f.octokit.issues.create({ ...o, title: "b" });
    const { status } = await f.octokit.issues.addBlockedByDependency({
      ...o,
      issue_number: b.number,
      issue_id: a.id,
    });
    assert.equal(status, 201);
    const { data: blockers } = await f.octokit.issues.listDependenciesBlockedBy({
      ...o,
      issue_number: b.number,
    });
    assert.deepEqual(
      blockers.map((i) => i.number),
      [a.number],
    );
    const { data: blocking } = await f.octokit.issues.listDependenciesBlocking({
      ...o,
      issue_number: a.number,
    });
    assert.deepEqual(
      blocking.map((i) => i.number),
      [b.number],
    );
    assert.equal(
      await statusOf(
        f.octokit.issues.addBlockedByDependency({ ...o, issue_number: b.number, issue_id: a.id }),
      ),
      422,
    );
    f.server.assertNoViolations();
  });

  it("reports the repository, the authenticated user and permission levels", async () => {
    const { data: repo } = await f.octokit.repos.get({ owner: f.owner, repo: f.repo });
    assert.equal(repo.full_name, "acme/widgets");
    assert.equal(repo.default_branch, "main");
    const { data: me } = await f.octokit.users.getAuthenticated();
    assert.equal(me.login, "octo-bot");
    f.server.addUser({ login: "reader" });
    f.server.setPermission("acme", "widgets", "reader", "read");
    const { data: perm } = await f.octokit.repos.getCollaboratorPermissionLevel({
      ...{ owner: f.owner, repo: f.repo },
      username: "reader",
    });
    assert.equal(perm.permission, "read");
    const { data: admin } = await f.octokit.repos.getCollaboratorPermissionLevel({
      owner: f.owner,
      repo: f.repo,
      username: "acme",
    });
    assert.equal(admin.permission, "admin");
    f.server.assertNoViolations();
  });

  it("logs every request with its operationId and status", async () => {
    f.server.resetRequests();
    await f.octokit.repos.get({ owner: f.owner, repo: f.repo });
    assert.deepEqual(f.server.requests, [
      {
        method: "GET",
        path: "/repos/acme/widgets",
        query: {},
        operationId: "repos/get",
        status: 200,
        identity: "octo-bot",
        points: 1,
        secondaryPoints: 1,
        contentCreating: 0,
      },
    ]);
  });
});
