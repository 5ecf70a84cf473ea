import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { Octokit } from "@octokit/rest";
import { createBareRepository } from "./git.js";
import { type GitHubServer, startGitHubServer } from "./server.js";
import { statusOf } from "./test-helpers.js";

type Bare = Awaited<ReturnType<typeof createBareRepository>>;

describe("check runs and required checks", () => {
  let server: GitHubServer;
  let octokit: Octokit;
  let bare: Bare;
  const o = { owner: "acme", repo: "app" };
  const enable = `mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH}) { pullRequest { number } } }`;
  const read = `query($n: Int!) { repository(owner: "acme", name: "app") { pullRequest(number: $n) { id state mergeStateStatus } } }`;
  type Read = {
    repository: { pullRequest: { id: string; state: string; mergeStateStatus: string } };
  };

  before(async () => {
    bare = await createBareRepository();
    server = await startGitHubServer();
    const { token } = server.addUser({ login: "octo-bot" });
    server.createRepository({
      owner: "acme",
      name: "app",
      gitDir: bare.gitDir,
      allowAutoMerge: true,
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

  it("lists check runs by sha and by branch, and gets one", async () => {
    const sha = await bare.commitOnBranch("listed", "a.txt", "a\n");
    const lint = await server.addCheckRun("acme", "app", {
      headSha: sha,
      name: "lint",
      conclusion: "success",
    });
    await server.addCheckRun("acme", "app", {
      headSha: sha,
      name: "test",
      status: "in_progress",
      output: { title: "Running", summary: "3 of 9" },
    });
    const bySha = await octokit.checks.listForRef({ ...o, ref: sha });
    assert.equal(bySha.data.total_count, 2);
    assert.deepEqual(bySha.data.check_runs.map((r) => r.name).sort(), ["lint", "test"]);
    const byBranch = await octokit.checks.listForRef({ ...o, ref: "listed", check_name: "lint" });
    assert.equal(byBranch.data.total_count, 1);
    assert.equal(byBranch.data.check_runs[0]?.conclusion, "success");
    assert.equal(byBranch.data.check_runs[0]?.status, "completed");
    const heads = await octokit.checks.listForRef({
      ...o,
      ref: "heads/listed",
      status: "in_progress",
    });
    assert.equal(heads.data.check_runs[0]?.output.summary, "3 of 9");
    const { data: one } = await octokit.checks.get({ ...o, check_run_id: lint.id });
    assert.equal(one.head_sha, sha);
    assert.equal(await statusOf(octokit.checks.get({ ...o, check_run_id: 1 })), 404);
    assert.equal(await statusOf(octokit.checks.listForRef({ ...o, ref: "no-such-branch" })), 422);
    server.assertNoViolations();
  });

  it("a failing required check blocks an auto-merge pull request; success merges it", async () => {
    await server.setRequiredChecks("acme", "app", "main", ["ci"]);
    const sha = await bare.commitOnBranch("feature", "f.txt", "f\n");
    const { data: pr } = await octokit.pulls.create({
      ...o,
      title: "Feature",
      head: "feature",
      base: "main",
    });
    const run = await server.addCheckRun("acme", "app", {
      headSha: sha,
      name: "ci",
      status: "in_progress",
    });
    const { repository } = await octokit.graphql<Read>(read, { n: pr.number });
    assert.equal(repository.pullRequest.mergeStateStatus, "BLOCKED");
    await octokit.graphql(enable, { id: repository.pullRequest.id });
    await server.updateCheckRun("acme", "app", run.id, { conclusion: "failure" });
    const { data: blocked } = await octokit.pulls.get({ ...o, pull_number: pr.number });
    assert.equal(blocked.state, "open");
    assert.equal(blocked.mergeable_state, "blocked");
    assert.equal(blocked.auto_merge?.merge_method, "squash");
    const g = await octokit.graphql<Read>(read, { n: pr.number });
    assert.equal(g.repository.pullRequest.mergeStateStatus, "BLOCKED");
    await assert.rejects(
      octokit.pulls.merge({ ...o, pull_number: pr.number }),
      (e: { status: number; message: string }) => {
        assert.equal(e.status, 405);
        assert.match(e.message, /Required status check "ci" is failing/);
        return true;
      },
    );
    await server.updateCheckRun("acme", "app", run.id, { conclusion: "success" });
    const { data: merged } = await octokit.pulls.get({ ...o, pull_number: pr.number });
    assert.equal(merged.merged, true);
    const main = execFileSync(
      "git",
      ["--git-dir", bare.gitDir, "log", "--format=%s", "-1", "main"],
      {
        encoding: "utf8",
      },
    ).trim();
    assert.equal(main, `Feature (#${pr.number})`);
    server.assertNoViolations();
  });

  it("is clean once required checks pass, and unstable when another check fails", async () => {
    const sha = await bare.commitOnBranch("other", "o.txt", "o\n");
    const { data: pr } = await octokit.pulls.create({
      ...o,
      title: "Other",
      head: "other",
      base: "main",
    });
    await server.addCheckRun("acme", "app", { headSha: sha, name: "ci", conclusion: "success" });
    let { data } = await octokit.pulls.get({ ...o, pull_number: pr.number });
    assert.equal(data.mergeable_state, "clean");
    await server.addCheckRun("acme", "app", { headSha: sha, name: "lint", conclusion: "failure" });
    ({ data } = await octokit.pulls.get({ ...o, pull_number: pr.number }));
    assert.equal(data.mergeable_state, "unstable");
    server.assertNoViolations();
  });
});
