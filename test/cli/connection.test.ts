import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { repoFromRemoteUrl, resolveRepo } from "../../src/cli/connection.js";
import { UserError } from "../../src/core/errors.js";

describe("repoFromRemoteUrl", () => {
  const cases: Array<[string, string | null]> = [
    ["https://github.com/acme/widgets.git", "acme/widgets"],
    ["https://github.com/acme/widgets", "acme/widgets"],
    ["https://x-access-token:abc@github.com/acme/widgets.git", "acme/widgets"],
    ["git@github.com:acme/widgets.git", "acme/widgets"],
    ["ssh://git@ghe.example.com:2222/acme/widgets.git", "acme/widgets"],
    ["https://ghe.example.com/acme/my.repo", "acme/my.repo"],
    ["/srv/git/widgets.git", null],
    ["not a url", null],
  ];
  for (const [url, expected] of cases) {
    it(`${url} → ${expected}`, () => {
      const repo = repoFromRemoteUrl(url);
      assert.equal(repo ? `${repo.owner}/${repo.repo}` : null, expected);
    });
  }
});

describe("resolveRepo", () => {
  const dir = mkdtempSync(join(tmpdir(), "goal-remote-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prefers --repo, then GITHUB_REPOSITORY, then the origin remote", () => {
    execFileSync("git", ["init", "-q", dir]);
    execFileSync("git", ["-C", dir, "remote", "add", "origin", "git@github.com:from/remote.git"]);
    const show = (r: { owner: string; repo: string }) => `${r.owner}/${r.repo}`;
    assert.equal(
      show(resolveRepo({ repo: "flag/repo" }, { GITHUB_REPOSITORY: "env/repo" }, dir)),
      "flag/repo",
    );
    assert.equal(show(resolveRepo({}, { GITHUB_REPOSITORY: "env/repo" }, dir)), "env/repo");
    assert.equal(show(resolveRepo({}, {}, dir)), "from/remote");
  });

  it("explains every way to name the repository when none is found", () => {
    const empty = mkdtempSync(join(tmpdir(), "goal-noremote-"));
    try {
      assert.throws(
        () => resolveRepo({}, {}, empty),
        (error: unknown) =>
          error instanceof UserError &&
          /--repo owner\/name/.test(error.message) &&
          /GITHUB_REPOSITORY/.test(error.message),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("rejects a malformed --repo with a message naming the value", () => {
    assert.throws(() => resolveRepo({ repo: "no-slash" }, {}, dir), /no-slash/);
  });
});
