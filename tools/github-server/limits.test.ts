import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  GOAL_COUNT_QUERY,
  GOAL_PAGE_QUERY,
  GOAL_QUERY,
  STORY_QUERY,
  VIEWER_QUERY,
} from "../../src/github/queries.js";
import {
  contentCreatedBy,
  graphqlCost,
  graphqlPoints,
  isMutation,
  mutationFields,
  secondaryPoints,
} from "./limits.js";

describe("graphqlPoints: GitHub's primary-limit formula", () => {
  it("scores GitHub's worked example at 5,101 requests, 51 points", () => {
    // "Rate limits and query limits for the GraphQL API", Predicting the point value of a query.
    const query = `query {
      viewer {
        login
        repositories(first: 100) {
          edges { node { id
            issues(first: 50) {
              edges { node { id
                labels(first: 60) { edges { node { id name } } }
              } }
            }
          } }
        }
      }
    }`;
    assert.deepEqual(graphqlCost(query), { requests: 5101, points: 51, nodes: 305100 });
    assert.equal(graphqlPoints(query), 51);
  });

  it("counts the nodes of GitHub's node-limit examples (550 and 22,060)", () => {
    const simple = `query { viewer { repositories(first: 50) { edges { repository: node { name
      issues(first: 10) { totalCount edges { node { title bodyHTML } } } } } } } }`;
    assert.equal(graphqlCost(simple).nodes, 550);
    const complex = `query { viewer {
      repositories(first: 50) { edges { repository: node { name
        pullRequests(first: 20) { edges { pullRequest: node { title
          comments(first: 10) { edges { comment: node { bodyHTML } } } } } }
        issues(first: 20) { totalCount edges { issue: node { title bodyHTML
          comments(first: 10) { edges { comment: node { bodyHTML } } } } } } } } }
      followers(first: 10) { edges { follower: node { login } } } } }`;
    const cost = graphqlCost(complex);
    assert.equal(cost.nodes, 22060);
    // 1 + 50 + 1,000 + 50 + 1,000 + 1 requests.
    assert.equal(cost.requests, 2102);
    assert.equal(cost.points, 21);
  });

  it("costs at least one point, also without any connection", () => {
    assert.equal(graphqlPoints(VIEWER_QUERY), 1);
    assert.equal(graphqlPoints("query { rateLimit { cost } }"), 1);
  });

  it("resolves first/last from variables and their defaults, 100 when unresolvable", () => {
    const query = `query Q($n: Int = 20, $m: Int) { viewer {
      repositories(first: $n) { nodes { issues(last: $m) { nodes { id } } } } } }`;
    assert.equal(graphqlCost(query).requests, 1 + 20);
    assert.equal(graphqlCost(query, { n: 100 }).requests, 1 + 100);
    assert.equal(graphqlCost(query, { n: 100, m: 5 }).nodes, 100 + 100 * 5);
    assert.equal(graphqlCost(query).nodes, 20 + 20 * 100);
  });

  it("follows fragments and inline fragments, and picks the named operation", () => {
    const query = `
      query A { viewer { ...Repos } }
      query B { viewer { login } }
      fragment Repos on User { repositories(first: 100) { nodes {
        ... on Repository { issues(first: 100) { nodes { labels(first: 10) { nodes { name } } } } } } } }`;
    assert.equal(graphqlCost(query, {}, "A").requests, 1 + 100 + 10000);
    assert.equal(graphqlPoints(query, {}, "A"), 101);
    assert.equal(graphqlPoints(query, {}, "B"), 1);
  });

  it("scores the orchestrator's own queries", () => {
    const page = { owner: "o", name: "r", states: ["OPEN"], pageSize: 100, commentWindow: 20 };
    // issues(first: 100) → labels and comments on each of 100 issues: 1 + 100 + 100.
    assert.equal(graphqlCost(GOAL_PAGE_QUERY, page).requests, 201);
    assert.equal(graphqlPoints(GOAL_PAGE_QUERY, page), 2);
    assert.equal(graphqlPoints(GOAL_QUERY, { number: 1, commentWindow: 20 }), 1);
    assert.equal(graphqlPoints(GOAL_COUNT_QUERY), 1);
    // One story (no connection): its labels 1 + subIssues(first: 100) 1 + their labels 100.
    // (Listing 50 open stories with their sub-issues, as cycles once did, cost 51 points.)
    assert.equal(graphqlCost(STORY_QUERY).requests, 102);
    assert.equal(graphqlPoints(STORY_QUERY), 1);
  });
});

describe("mutations and content creation", () => {
  const create = `mutation { createIssue(input: {repositoryId: "R", title: "t"}) { issue { id } } }`;
  const autoMerge = `mutation M($id: ID!) {
    enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }`;

  it("tells mutations from queries, by operation name when there are several", () => {
    assert.equal(isMutation(create), true);
    assert.equal(isMutation(VIEWER_QUERY), false);
    const both = `query Q { viewer { login } } ${autoMerge}`;
    assert.equal(isMutation(both, "M"), true);
    assert.equal(isMutation(both, "Q"), false);
    assert.deepEqual(mutationFields(both, "M"), ["enablePullRequestAutoMerge"]);
    assert.deepEqual(mutationFields(both, "Q"), []);
  });

  it("counts REST POSTs that create issues, comments, pull requests and reviews", () => {
    for (const id of [
      "issues/create",
      "issues/create-comment",
      "pulls/create",
      "pulls/create-review",
      "pulls/create-review-comment",
      "repos/create-commit-comment",
    ]) {
      assert.equal(contentCreatedBy("POST", id), 1, id);
    }
    for (const [method, id] of [
      ["PATCH", "issues/update-comment"],
      ["PATCH", "issues/update"],
      ["POST", "issues/add-labels"],
      ["PUT", "issues/set-labels"],
      ["DELETE", "issues/delete-comment"],
      ["PUT", "pulls/merge"],
      ["POST", "pulls/submit-review"],
      ["POST", "issues/add-sub-issue"],
      ["GET", "issues/get"],
    ] as const) {
      assert.equal(contentCreatedBy(method, id), 0, id);
    }
  });

  it("counts GraphQL mutations that create content, not other mutations or queries", () => {
    assert.equal(contentCreatedBy("POST", "graphql", mutationFields(create)), 1);
    assert.equal(contentCreatedBy("POST", "graphql", ["addComment"]), 1);
    assert.equal(contentCreatedBy("POST", "graphql", mutationFields(autoMerge)), 0);
    assert.equal(contentCreatedBy("POST", "graphql", false), 0);
    assert.equal(contentCreatedBy("POST", "graphql", true), 1);
    const twoComments = `mutation {
      a: addComment(input: {subjectId: "I_1", body: "x"}) { clientMutationId }
      b: addComment(input: {subjectId: "I_2", body: "y"}) { clientMutationId }
      c: updateIssueComment(input: {id: "IC_1", body: "z"}) { clientMutationId }
    }`;
    assert.equal(
      contentCreatedBy("POST", "graphql", mutationFields(twoComments)),
      2,
      "each aliased comment counts, the edit does not",
    );
  });

  it("gives GitHub's secondary points", () => {
    assert.equal(secondaryPoints("GET"), 1);
    assert.equal(secondaryPoints("HEAD"), 1);
    assert.equal(secondaryPoints("OPTIONS"), 1);
    for (const method of ["POST", "PATCH", "PUT", "DELETE"])
      assert.equal(secondaryPoints(method), 5);
    assert.equal(secondaryPoints("POST", false), 1);
    assert.equal(secondaryPoints("POST", true), 5);
  });
});
