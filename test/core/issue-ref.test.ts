import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../../src/core/errors.js";
import {
  formatIssueRef,
  formatRepo,
  issueKey,
  parseIssueRef,
  parseRepo,
  sameIssue,
  tryParseIssueRef,
} from "../../src/core/issue-ref.js";

const here = { owner: "octo", repo: "app" };

describe("parseRepo", () => {
  it("reads owner/name", () => {
    assert.deepEqual(parseRepo("octo-org/my.repo_1"), { owner: "octo-org", repo: "my.repo_1" });
    assert.deepEqual(parseRepo("  a/b "), { owner: "a", repo: "b" });
  });

  for (const [text, reason] of [
    ["octo", /use owner\/name/],
    ["a/b/c", /use owner\/name/],
    ["/repo", /owner ""/],
    ["-bad/repo", /owner "-bad"/],
    ["o w/repo", /owner "o w"/],
    [`${"a".repeat(40)}/repo`, /at most 39/],
    ["octo/re po", /name "re po"/],
    ["octo/..", /name ".."/],
    ["octo/", /name ""/],
  ] as const) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseRepo(text),
        (error: unknown) =>
          error instanceof UserError &&
          error.message.includes(`"${text}"`) &&
          reason.test(error.message),
      );
    });
  }

  it("round-trips through formatRepo", () => {
    assert.equal(formatRepo(parseRepo("Octo/App")), "Octo/App");
  });
});

describe("parseIssueRef", () => {
  it("reads short references in the default repository", () => {
    assert.deepEqual(parseIssueRef("#12", here), { owner: "octo", repo: "app", number: 12 });
    assert.deepEqual(parseIssueRef(" 12 ", here), { owner: "octo", repo: "app", number: 12 });
  });

  it("reads qualified references and URLs on any host", () => {
    assert.deepEqual(parseIssueRef("other/repo#7", here), {
      owner: "other",
      repo: "repo",
      number: 7,
    });
    assert.deepEqual(parseIssueRef("https://github.com/other/repo/issues/7", here), {
      owner: "other",
      repo: "repo",
      number: 7,
    });
    assert.deepEqual(parseIssueRef("https://ghe.example.com/o/r/issues/3#issuecomment-1", here), {
      owner: "o",
      repo: "r",
      number: 3,
    });
    assert.deepEqual(parseIssueRef("http://localhost:3000/o/r/issues/3/", here).number, 3);
  });

  for (const text of [
    "",
    "#",
    "#0",
    "012",
    "abc",
    "#12a",
    "o/r#",
    "o/r#x",
    "https://github.com/o/r/pull/7",
    "o/../r#1",
    "#-1",
  ]) {
    it(`rejects ${JSON.stringify(text)} with the accepted forms`, () => {
      assert.equal(tryParseIssueRef(text, here), null);
      assert.throws(
        () => parseIssueRef(text, here),
        (error: unknown) =>
          error instanceof UserError &&
          error.message.includes(`"${text}"`) &&
          error.message.includes("owner/repo#12"),
      );
    });
  }
});

describe("formatIssueRef / sameIssue", () => {
  it("writes #N in the same repository (any case) and owner/repo#N elsewhere", () => {
    assert.equal(formatIssueRef({ ...here, number: 12 }, here), "#12");
    assert.equal(formatIssueRef({ owner: "OCTO", repo: "App", number: 12 }, here), "#12");
    assert.equal(formatIssueRef({ owner: "x", repo: "y", number: 1 }, here), "x/y#1");
    assert.equal(formatIssueRef({ ...here, number: 5 }), "octo/app#5");
  });

  it("compares owner and repo case-insensitively and numbers exactly", () => {
    assert.ok(sameIssue({ owner: "Octo", repo: "APP", number: 1 }, { ...here, number: 1 }));
    assert.ok(!sameIssue({ ...here, number: 1 }, { ...here, number: 2 }));
    assert.ok(!sameIssue({ ...here, number: 1 }, { owner: "octo", repo: "app2", number: 1 }));
    assert.equal(issueKey({ owner: "Octo", repo: "APP", number: 1 }), "octo/app#1");
  });
});
