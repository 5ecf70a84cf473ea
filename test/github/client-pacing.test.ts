import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { createClient, isMutating } from "../../src/github/client.js";
import { type GitHubFixture, startGitHubFixture } from "../helpers/github-fixture.js";

// GitHub asks for a second between mutating requests (REST writes, GraphQL mutations), not
// between reads: a GraphQL query must not wait behind the writes of the same process.

let gh: GitHubFixture;
beforeEach(async () => {
  gh = await startGitHubFixture();
});
afterEach(() => gh.close());

it("paces mutating requests a pace apart and lets GraphQL queries through", async () => {
  const { data: issue } = await gh.client.rest.issues.create({ ...where(), title: "Paced" });
  // A pace long enough that a request held by it is still waiting when the others are done;
  // the test waits two paces in all, and asserts only the order things finish in.
  const client = createClient({ token: gh.token, apiUrl: gh.server.url, paceMs: 1500 });
  const finished: string[] = [];
  const track = (name: string, request: Promise<unknown>) =>
    request.then(() => finished.push(name));
  await Promise.all([
    track("write 1", client.rest.issues.createLabel({ ...where(), name: "one" })),
    track("write 2", client.rest.issues.createLabel({ ...where(), name: "two" })),
    track(
      "mutation",
      client.graphql(
        `mutation Rename($id: ID!) { updateIssue(input: {id: $id, title: "Renamed"}) { issue { number } } }`,
        { id: issue.node_id },
      ),
    ),
    track("query", client.graphql("query { viewer { login } }")),
    track("read", client.rest.issues.get({ ...where(), issue_number: issue.number })),
  ]);
  assert.deepEqual(
    finished.filter((name) => name.startsWith("write") || name === "mutation"),
    ["write 1", "write 2", "mutation"],
    "mutating requests in turn",
  );
  assert.ok(
    finished.indexOf("query") < finished.indexOf("write 2"),
    `the query waited for no write: ${finished.join(", ")}`,
  );
  assert.ok(finished.indexOf("read") < finished.indexOf("write 2"), finished.join(", "));
});

it("tells mutating requests from reads", () => {
  assert.equal(isMutating({ method: "POST", url: "/repos/{owner}/{repo}/issues" }), true);
  assert.equal(isMutating({ method: "GET", url: "/repos/{owner}/{repo}/issues" }), false);
  assert.equal(
    isMutating({ method: "POST", url: "/graphql", query: "query { viewer { login } }" }),
    false,
  );
  assert.equal(
    isMutating({ method: "POST", url: "/graphql", query: "{ viewer { login } }" }),
    false,
  );
  assert.equal(
    isMutating({ method: "POST", url: "/graphql", query: "\n  mutation StartRuns { x }" }),
    true,
  );
  assert.equal(
    isMutating({ method: "POST", url: "/app/installations/{installation_id}/access_tokens" }),
    false,
  );
});

function where() {
  return { owner: gh.repo.owner, repo: gh.repo.repo };
}
