import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { Octokit } from "@octokit/rest";
import { createBareRepository } from "./git.js";
import { type GitHubServer, startGitHubServer } from "./server.js";
import { statusOf } from "./test-helpers.js";

type Bare = Awaited<ReturnType<typeof createBareRepository>>;

describe("pull requests backed by a bare git repository", () => {
  let server: GitHubServer;
  let octokit: Octokit;
  let bare: Bare;
  let token: string;
  const o = { owner: "acme", repo: "app" };

  before(async () => {
    bare = await createBareRepository();
    server = await startGitHubServer();
    token = server.addUser({ login: "octo-bot" }).token;
    server.createRepository({
      ...{ owner: "acme", name: "app" },
      gitDir: bare.gitDir,
      allowAutoMerge: true,
      protectedBranches: [],
    });
    octokit = new Octokit({
      auth: token,
      baseUrl: server.url,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
  });
  after(async () => {
    await server.close();
    await rm(bare.root, { recursive: true, force: true });
  });

  const log = (ref: string) =>
    execFileSync("git", ["--git-dir", bare.gitDir, "log", "--format=%s", ref], { encoding: "utf8" })
      .trim()
      .split("\n");

  it("refuses a missing head branch and a branch without commits, like GitHub", async () => {
    await assert.rejects(
      octokit.pulls.create({ ...o, title: "t", head: "nope", base: "main" }),
      (e: {
        status: number;
        response: { data: { errors: { field: string; code: string }[] } };
      }) => {
        assert.equal(e.status, 422);
        assert.deepEqual(e.response.data.errors[0], {
          resource: "PullRequest",
          field: "head",
          code: "invalid",
        });
        return true;
      },
    );
    const mainSha = execFileSync("git", ["--git-dir", bare.gitDir, "rev-parse", "main"], {
      encoding: "utf8",
    }).trim();
    execFileSync("git", ["--git-dir", bare.gitDir, "update-ref", "refs/heads/empty", mainSha]);
    await assert.rejects(
      octokit.pulls.create({ ...o, title: "t", head: "empty", base: "main" }),
      (e: { status: number; response: { data: { errors: { message: string }[] } } }) => {
        assert.equal(e.status, 422);
        assert.equal(e.response.data.errors[0]?.message, "No commits between main and empty");
        return true;
      },
    );
    server.assertNoViolations();
  });

  it("creates, lists, gets and squash-merges a pull request with real git", async () => {
    await octokit.issues.create({ ...o, title: "an issue first" });
    const headSha = await bare.commitOnBranch("goal/2-feature", "feature.txt", "hello\n");
    const { data: pr } = await octokit.pulls.create({
      ...o,
      title: "Goal #1: feature",
      head: "acme:goal/2-feature",
      base: "main",
      body: "Closes #1",
    });
    assert.equal(pr.number, 2, "issues and pull requests share one number sequence");
    assert.equal(pr.head.sha, headSha);
    assert.equal(pr.mergeable, true);
    assert.equal(pr.mergeable_state, "clean");
    assert.equal(
      await statusOf(
        octokit.pulls.create({ ...o, title: "again", head: "goal/2-feature", base: "main" }),
      ),
      422,
    );
    const { data: open } = await octokit.pulls.list({ ...o, head: "acme:goal/2-feature" });
    assert.deepEqual(
      open.map((p) => p.number),
      [2],
    );
    const { data: asIssue } = await octokit.issues.get({ ...o, issue_number: 2 });
    assert.ok(asIssue.pull_request);
    const { data: merged } = await octokit.pulls.merge({
      ...o,
      pull_number: 2,
      merge_method: "squash",
    });
    assert.equal(merged.merged, true);
    assert.equal(log("main")[0], "Goal #1: feature (#2)");
    const { data: after } = await octokit.pulls.get({ ...o, pull_number: 2 });
    assert.equal(after.merged, true);
    assert.equal(after.state, "closed");
    assert.equal(after.merge_commit_sha, merged.sha);
    assert.equal(await statusOf(octokit.pulls.merge({ ...o, pull_number: 2 })), 405);
    server.assertNoViolations();
  });

  it("closes, as completed, the issues a merged pull request's body links with a closing keyword", async () => {
    const issue = async (title: string) =>
      (await octokit.issues.create({ ...o, title })).data.number;
    const [closes, fixes, resolved, mentioned, other] = [
      await issue("closes"),
      await issue("fixes"),
      await issue("resolved"),
      await issue("mentioned"),
      await issue("other repo"),
    ];
    await bare.commitOnBranch("goal/links", "links.txt", "x\n");
    const { data: pr } = await octokit.pulls.create({
      ...o,
      title: "links",
      head: "goal/links",
      base: "main",
      body: `Closes #${closes}, FIXES acme/app#${fixes}\nResolved: #${resolved}\nSee #${mentioned}; closes someone/else#${other}`,
    });
    const stateOf = async (number: number) => {
      const { data } = await octokit.issues.get({ ...o, issue_number: number });
      return [data.state, data.state_reason];
    };
    assert.deepEqual(await stateOf(closes), ["open", null], "nothing closes before the merge");
    await octokit.pulls.merge({ ...o, pull_number: pr.number });
    for (const number of [closes, fixes, resolved])
      assert.deepEqual(await stateOf(number), ["closed", "completed"]);
    for (const number of [mentioned, other])
      assert.deepEqual(await stateOf(number), ["open", null]);
    server.assertNoViolations();
  });

  it("answers 405 for a conflicting pull request and 409 for a stale sha; merges and rebases", async () => {
    await bare.commitOnBranch("left", "same.txt", "left\n");
    await bare.commitOnBranch("right", "same.txt", "right\n");
    const { data: left } = await octokit.pulls.create({
      ...o,
      title: "left",
      head: "left",
      base: "main",
    });
    const { data: right } = await octokit.pulls.create({
      ...o,
      title: "right",
      head: "right",
      base: "main",
    });
    assert.equal(
      await statusOf(octokit.pulls.merge({ ...o, pull_number: left.number, sha: "0".repeat(40) })),
      409,
    );
    await octokit.pulls.merge({ ...o, pull_number: left.number, merge_method: "merge" });
    assert.match(log("main")[0] ?? "", /^Merge pull request #\d+ from acme\/left$/);
    const { data: conflicted } = await octokit.pulls.get({ ...o, pull_number: right.number });
    assert.equal(conflicted.mergeable, false);
    assert.equal(conflicted.mergeable_state, "dirty");
    assert.equal(await statusOf(octokit.pulls.merge({ ...o, pull_number: right.number })), 405);
    await bare.commitOnBranch("rebased", "other.txt", "x\n");
    const { data: reb } = await octokit.pulls.create({
      ...o,
      title: "rebased",
      head: "rebased",
      base: "main",
    });
    await bare.commitOnBranch("main", "main-moves.txt", "y\n");
    await octokit.pulls.merge({ ...o, pull_number: reb.number, merge_method: "rebase" });
    assert.deepEqual(log("main").slice(0, 2), ["rebased: other.txt", "main: main-moves.txt"]);
    const { data: closed } = await octokit.pulls.update({
      ...o,
      pull_number: right.number,
      state: "closed",
    });
    assert.equal(closed.state, "closed");
    assert.equal(closed.merged, false);
    server.assertNoViolations();
  });
});

describe("auto-merge over GraphQL", () => {
  let server: GitHubServer;
  let octokit: Octokit;
  const enable = `mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH}) { pullRequest { number autoMergeRequest { enabledAt mergeMethod } } } }`;
  const read = `query($n: Int!) { repository(owner: "acme", name: "auto") { pullRequest(number: $n) { id number state mergeable mergeStateStatus autoMergeRequest { enabledAt mergeMethod } } } }`;
  type Read = {
    repository: {
      pullRequest: {
        id: string;
        state: string;
        mergeable: string;
        mergeStateStatus: string;
        autoMergeRequest: { mergeMethod: string } | null;
      };
    };
  };

  before(async () => {
    server = await startGitHubServer();
    const { token } = server.addUser({ login: "octo-bot" });
    server.createRepository({ owner: "acme", name: "auto" });
    octokit = new Octokit({
      auth: token,
      baseUrl: server.url,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
  });
  after(async () => {
    await server.close();
  });

  async function openPull(branch: string): Promise<{ number: number; id: string }> {
    server.setBranch("acme", "auto", branch);
    const { data } = await octokit.pulls.create({
      owner: "acme",
      repo: "auto",
      title: branch,
      head: branch,
      base: "main",
    });
    const r = await octokit.graphql<Read>(read, { n: data.number });
    return { number: data.number, id: r.repository.pullRequest.id };
  }

  async function graphqlError(query: string, variables: Record<string, unknown>): Promise<string> {
    try {
      await octokit.graphql(query, variables);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected a GraphQL error");
  }

  it("refuses when the repository does not allow auto-merge", async () => {
    const pr = await openPull("no-auto");
    assert.match(
      await graphqlError(enable, { id: pr.id }),
      /Auto merge is not allowed for this repository/,
    );
    server.assertNoViolations();
  });

  it("enables auto-merge on a blocked pull request, and merges when checks pass", async () => {
    const repo = server.state.requireRepo("acme", "auto");
    repo.allowAutoMerge = true;
    const pr = await openPull("feature");
    const before = await octokit.graphql<Read>(read, { n: pr.number });
    assert.equal(before.repository.pullRequest.mergeStateStatus, "BLOCKED");
    assert.equal(before.repository.pullRequest.mergeable, "MERGEABLE");
    const result = await octokit.graphql<{
      enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: { mergeMethod: string } } };
    }>(enable, { id: pr.id });
    assert.equal(
      result.enablePullRequestAutoMerge.pullRequest.autoMergeRequest.mergeMethod,
      "SQUASH",
    );
    const { data: rest } = await octokit.pulls.get({
      owner: "acme",
      repo: "auto",
      pull_number: pr.number,
    });
    assert.equal(rest.auto_merge?.merge_method, "squash");
    await server.setPullState("acme", "auto", pr.number, { mergeStateStatus: "CLEAN" });
    const after = await octokit.graphql<Read>(read, { n: pr.number });
    assert.equal(after.repository.pullRequest.state, "MERGED");
    assert.equal(after.repository.pullRequest.autoMergeRequest, null);
    server.assertNoViolations();
  });

  it("refuses a pull request in clean status, and a base branch without protection", async () => {
    const pr = await openPull("clean");
    await server.setPullState("acme", "auto", pr.number, { mergeStateStatus: "CLEAN" });
    assert.match(await graphqlError(enable, { id: pr.id }), /Pull request is in clean status/);
    server.state.requireRepo("acme", "auto").protectedBranches.clear();
    const other = await openPull("unprotected");
    assert.match(
      await graphqlError(enable, { id: other.id }),
      /Protected branch rules not configured for this branch/,
    );
    server.assertNoViolations();
  });
});

describe("actions", () => {
  it("serves seeded workflow runs and self-hosted runners (admin only)", async () => {
    const server = await startGitHubServer();
    try {
      const admin = server.addUser({ login: "admin-bot" });
      const writer = server.addUser({ login: "writer" });
      server.createRepository({ owner: "acme", name: "ci" });
      server.setPermission("acme", "ci", "admin-bot", "admin");
      server.addWorkflowRun("acme", "ci", { id: 4242, status: "completed", conclusion: "success" });
      server.addRunner("acme", "ci", {
        name: "box-1",
        busy: true,
        labels: ["self-hosted", "Linux", "X64", "gpu"],
      });
      const client = (token: string) =>
        new Octokit({
          auth: token,
          baseUrl: server.url,
          log: { debug() {}, info() {}, warn() {}, error() {} },
        });
      const { data: run } = await client(writer.token).actions.getWorkflowRun({
        owner: "acme",
        repo: "ci",
        run_id: 4242,
      });
      assert.equal(run.conclusion, "success");
      assert.equal(
        await statusOf(
          client(writer.token).actions.getWorkflowRun({ owner: "acme", repo: "ci", run_id: 1 }),
        ),
        404,
      );
      const { data: runners } = await client(admin.token).actions.listSelfHostedRunnersForRepo({
        owner: "acme",
        repo: "ci",
      });
      assert.equal(runners.total_count, 1);
      assert.equal(runners.runners[0]?.busy, true);
      assert.deepEqual(
        runners.runners[0]?.labels.map((l) => l.name),
        ["self-hosted", "Linux", "X64", "gpu"],
      );
      assert.equal(
        await statusOf(
          client(writer.token).actions.listSelfHostedRunnersForRepo({ owner: "acme", repo: "ci" }),
        ),
        403,
      );
      server.assertNoViolations();
    } finally {
      await server.close();
    }
  });
});
