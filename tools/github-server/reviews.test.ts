import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { Octokit } from "@octokit/rest";
import { createBareRepository } from "./git.js";
import { type GitHubServer, startGitHubServer } from "./server.js";
import { statusOf } from "./test-helpers.js";

type Bare = Awaited<ReturnType<typeof createBareRepository>>;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Status and `errors` of a refused call. */
async function refusal(promise: Promise<unknown>): Promise<{ status: number; errors: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data?: { errors?: unknown } } };
    return { status: e.status, errors: e.response?.data?.errors };
  }
  throw new Error("expected the request to fail");
}

const lines = (n: number, label = "line") =>
  Array.from({ length: n }, (_, i) => `${label} ${i + 1}\n`).join("");

describe("pull-request reviews backed by a bare git repository", () => {
  let server: GitHubServer;
  let bare: Bare;
  let author: Octokit;
  let reviewer: Octokit;
  let other: Octokit;
  let number: number;
  const o = { owner: "acme", repo: "app" };

  before(async () => {
    bare = await createBareRepository();
    server = await startGitHubServer();
    const client = (login: string) =>
      new Octokit({ auth: server.addUser({ login }).token, baseUrl: server.url, log: quiet });
    author = client("octo-bot");
    reviewer = client("reviewer");
    other = client("other");
    server.createRepository({ owner: "acme", name: "app", gitDir: bare.gitDir });
    await bare.commitOnBranch("main", "mid.txt", lines(30));
    await bare.commitOnBranch("feature", "src/big.txt", lines(250));
    await bare.commitOnBranch(
      "feature",
      "mid.txt",
      lines(30).replace("line 20\n", "line twenty\n"),
    );
    const { data } = await author.pulls.create({
      ...o,
      title: "feature",
      head: "feature",
      base: "main",
    });
    number = data.number;
  });
  after(async () => {
    await server.close();
    await rm(bare.root, { recursive: true, force: true });
  });

  it("requests changes with 200 inline comments and lists them back, 100 a page", async () => {
    const { data: review } = await reviewer.pulls.createReview({
      ...o,
      pull_number: number,
      event: "REQUEST_CHANGES",
      body: "Please fix these.",
      comments: Array.from({ length: 200 }, (_, i) => ({
        path: "src/big.txt",
        line: i + 1,
        body: `comment ${i + 1}`,
      })),
    });
    assert.equal(review.state, "CHANGES_REQUESTED");
    assert.ok(review.submitted_at);
    assert.equal(review.user?.login, "reviewer");
    assert.equal(
      review.html_url,
      `${server.url}/acme/app/pull/${number}#pullrequestreview-${review.id}`,
    );
    assert.equal(review.commit_id, server.state.getIssue("acme", "app", number)?.pull?.headSha);

    const page = (n: number) =>
      reviewer.pulls.listCommentsForReview({
        ...o,
        pull_number: number,
        review_id: review.id,
        per_page: 100,
        page: n,
      });
    const first = await page(1);
    const second = await page(2);
    assert.equal(first.data.length, 100);
    assert.equal(second.data.length, 100);
    assert.match(first.headers.link ?? "", /rel="next"/);
    assert.doesNotMatch(second.headers.link ?? "", /rel="next"/);
    const all = [...first.data, ...second.data];
    assert.deepEqual(
      all.map((c) => c.body),
      Array.from({ length: 200 }, (_, i) => `comment ${i + 1}`),
    );
    const third = all[2];
    assert.equal(third?.line, 3);
    assert.equal(third?.original_line, 3);
    assert.equal(third?.side, "RIGHT");
    assert.equal(third?.position, 3);
    assert.equal(third?.pull_request_review_id, review.id);
    assert.equal(third?.diff_hunk, "@@ -0,0 +1,250 @@\n+line 1\n+line 2\n+line 3");
    assert.equal(third?.html_url, `${server.url}/acme/app/pull/${number}#discussion_r${third?.id}`);
    assert.equal(third?.author_association, "NONE");

    const paged = await reviewer.paginate(reviewer.pulls.listCommentsForReview, {
      ...o,
      pull_number: number,
      review_id: review.id,
      per_page: 100,
    });
    assert.equal(paged.length, 200);
    const { data: reviews } = await author.pulls.listReviews({ ...o, pull_number: number });
    assert.deepEqual(
      reviews.map((r) => [r.id, r.state]),
      [[review.id, "CHANGES_REQUESTED"]],
    );
    const { data: got } = await author.pulls.getReview({
      ...o,
      pull_number: number,
      review_id: review.id,
    });
    assert.equal(got.body, "Please fix these.");
    const { data: pr } = await author.pulls.get({ ...o, pull_number: number });
    assert.equal(pr.review_comments, 200);
    server.assertNoViolations();
  });

  it("refuses approving or requesting changes on one's own pull request", async () => {
    assert.deepEqual(
      await refusal(author.pulls.createReview({ ...o, pull_number: number, event: "APPROVE" })),
      { status: 422, errors: ["Can not approve your own pull request"] },
    );
    assert.deepEqual(
      await refusal(
        author.pulls.createReview({
          ...o,
          pull_number: number,
          event: "REQUEST_CHANGES",
          body: "hmm",
        }),
      ),
      { status: 422, errors: ["Can not request changes on your own pull request"] },
    );
    const { data } = await author.pulls.createReview({
      ...o,
      pull_number: number,
      event: "COMMENT",
      body: "a note to self",
    });
    assert.equal(data.state, "COMMENTED");
    server.assertNoViolations();
  });

  it("refuses requesting changes or commenting without a body or inline comments", async () => {
    assert.deepEqual(
      await refusal(
        reviewer.pulls.createReview({ ...o, pull_number: number, event: "REQUEST_CHANGES" }),
      ),
      { status: 422, errors: ["You need to leave a comment indicating the requested changes."] },
    );
    assert.equal(
      await statusOf(
        reviewer.pulls.createReview({ ...o, pull_number: number, event: "COMMENT", body: "" }),
      ),
      422,
    );
    assert.equal(
      await statusOf(
        reviewer.pulls.createReview({
          ...o,
          pull_number: number,
          event: "COMMENT",
          body: "x".repeat(65_537),
        }),
      ),
      422,
    );
    const { data: approval } = await reviewer.pulls.createReview({
      ...o,
      pull_number: number,
      event: "APPROVE",
    });
    assert.equal(approval.body, "");
    server.assertNoViolations();
  });

  it("places comments in the diff: paths, lines, positions and ranges", async () => {
    const review = (comment: Record<string, unknown>) =>
      refusal(
        reviewer.pulls.createReview({
          ...o,
          pull_number: number,
          event: "COMMENT",
          body: "b",
          comments: [{ path: "mid.txt", body: "c", ...comment }],
        }),
      );
    assert.deepEqual(await review({ path: "README.md", line: 1 }), {
      status: 422,
      errors: ["Path could not be resolved"],
    });
    assert.deepEqual(await review({ line: 2 }), {
      status: 422,
      errors: [
        "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank",
      ],
    });
    assert.deepEqual(await review({ line: 2, start_line: 1 }), {
      status: 422,
      errors: [
        "Pull request review thread line must be part of the diff, Pull request review thread start line must be part of the same hunk as the line., and Pull request review thread diff hunk can't be blank",
      ],
    });
    assert.deepEqual(await review({ line: 18, start_line: 19 }), {
      status: 422,
      errors: ["Pull request review thread start line must precede the end line."],
    });
    const mainSha = server.state.getIssue("acme", "app", number)?.pull?.baseSha;
    assert.deepEqual(
      await refusal(
        reviewer.pulls.createReview({
          ...o,
          pull_number: number,
          event: "COMMENT",
          body: "b",
          commit_id: mainSha,
        }),
      ),
      { status: 422, errors: ["The commitOID is not part of the pull request"] },
    );

    const { data } = await reviewer.pulls.createReview({
      ...o,
      pull_number: number,
      event: "COMMENT",
      body: "b",
      comments: [
        { path: "mid.txt", line: 21, start_line: 18, body: "range" },
        { path: "mid.txt", line: 20, side: "LEFT", body: "old line" },
        { path: "mid.txt", position: 1, body: "by position" },
      ],
    });
    const { data: comments } = await reviewer.pulls.listCommentsForReview({
      ...o,
      pull_number: number,
      review_id: data.id,
    });
    const [range, left, byPosition] = comments;
    assert.equal(range?.start_line, 18);
    assert.equal(range?.line, 21);
    assert.equal(range?.start_side, "RIGHT");
    assert.equal(
      range?.diff_hunk,
      "@@ -17,7 +17,7 @@ line 16\n line 17\n line 18\n line 19\n-line 20\n+line twenty\n line 21",
    );
    assert.equal(left?.side, "LEFT");
    assert.equal(left?.line, 20);
    assert.equal(left?.position, 4);
    assert.equal(byPosition?.line, 17);
    assert.equal(byPosition?.side, "RIGHT");
    assert.equal(byPosition?.start_line, null);
    server.assertNoViolations();
  });

  it("bumps the pull request's updated_at when a review is submitted", async () => {
    const { data: before } = await author.pulls.get({ ...o, pull_number: number });
    server.state.clock.advance(60_000);
    const { data: review } = await reviewer.pulls.createReview({
      ...o,
      pull_number: number,
      event: "COMMENT",
      body: "later",
    });
    const { data: after } = await author.pulls.get({ ...o, pull_number: number });
    assert.equal(after.updated_at, review.submitted_at);
    assert.ok(Date.parse(after.updated_at) >= Date.parse(before.updated_at) + 60_000);
    server.assertNoViolations();
  });

  it("keeps a pending review to its author until it is submitted", async () => {
    const { data: before } = await author.pulls.get({ ...o, pull_number: number });
    const { data: pending } = await other.pulls.createReview({
      ...o,
      pull_number: number,
      body: "draft",
      comments: [{ path: "src/big.txt", line: 1, body: "draft comment" }],
    });
    assert.equal(pending.state, "PENDING");
    assert.equal(pending.submitted_at, undefined);
    const ids = async (client: Octokit) =>
      (await client.paginate(client.pulls.listReviews, { ...o, pull_number: number })).map(
        (r) => r.id,
      );
    assert.ok((await ids(other)).includes(pending.id));
    assert.ok(!(await ids(reviewer)).includes(pending.id));
    const where = { ...o, pull_number: number, review_id: pending.id };
    assert.equal(await statusOf(reviewer.pulls.getReview(where)), 404);
    assert.equal(await statusOf(reviewer.pulls.listCommentsForReview(where)), 404);
    const { data: unchanged } = await author.pulls.get({ ...o, pull_number: number });
    assert.equal(unchanged.updated_at, before.updated_at);
    assert.equal(unchanged.review_comments, before.review_comments);
    assert.deepEqual(
      await refusal(other.pulls.createReview({ ...o, pull_number: number, body: "again" })),
      { status: 422, errors: ["User can only have one pending review per pull request"] },
    );

    const { data: submitted } = await other.pulls.submitReview({ ...where, event: "COMMENT" });
    assert.equal(submitted.state, "COMMENTED");
    assert.ok(submitted.submitted_at);
    assert.ok((await ids(reviewer)).includes(pending.id));
    const { data: comments } = await reviewer.pulls.listCommentsForReview(where);
    assert.deepEqual(
      comments.map((c) => c.body),
      ["draft comment"],
    );
    const { data: bumped } = await author.pulls.get({ ...o, pull_number: number });
    assert.equal(bumped.updated_at, submitted.submitted_at);
    assert.equal(bumped.review_comments, before.review_comments + 1);

    const { data: second } = await other.pulls.createReview({ ...o, pull_number: number });
    await other.pulls.deletePendingReview({ ...o, pull_number: number, review_id: second.id });
    assert.ok(!(await ids(other)).includes(second.id));
    server.assertNoViolations();
  });

  it("answers 404 when the repository is hidden from the reviewer", async () => {
    server.setPermission("acme", "app", "other", "none");
    try {
      assert.equal(
        await statusOf(
          other.pulls.createReview({ ...o, pull_number: number, event: "COMMENT", body: "x" }),
        ),
        404,
      );
      assert.equal(await statusOf(other.pulls.listReviews({ ...o, pull_number: number })), 404);
    } finally {
      server.setPermission("acme", "app", "other", "write");
    }
    server.assertNoViolations();
  });
});

describe("pull-request reviews without git", () => {
  it("accepts any path and line, with a stand-in diff hunk", async () => {
    const server = await startGitHubServer();
    try {
      server.addUser({ login: "octo-bot" });
      const client = (login: string) =>
        new Octokit({ auth: server.addUser({ login }).token, baseUrl: server.url, log: quiet });
      const author = client("octo-bot");
      const reviewer = client("reviewer");
      server.createRepository({ owner: "acme", name: "mem", protectedBranches: [] });
      server.setBranch("acme", "mem", "topic");
      const o = { owner: "acme", repo: "mem" };
      const { data: pr } = await author.pulls.create({
        ...o,
        title: "t",
        head: "topic",
        base: "main",
      });
      const { data: review } = await reviewer.pulls.createReview({
        ...o,
        pull_number: pr.number,
        event: "REQUEST_CHANGES",
        body: "no",
        comments: [{ path: "any/file.ts", line: 7, body: "here" }],
      });
      const { data: comments } = await reviewer.pulls.listCommentsForReview({
        ...o,
        pull_number: pr.number,
        review_id: review.id,
      });
      assert.equal(comments[0]?.path, "any/file.ts");
      assert.equal(comments[0]?.line, 7);
      assert.equal(typeof comments[0]?.diff_hunk, "string");
      server.assertNoViolations();
    } finally {
      await server.close();
    }
  });
});
