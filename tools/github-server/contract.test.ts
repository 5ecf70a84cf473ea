import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CheckedRequest, getContract } from "./contract.js";

function request(
  method: string,
  path: string,
  options: { query?: string; body?: unknown; contentType?: string } = {},
): CheckedRequest {
  return {
    method,
    path,
    query: new URLSearchParams(options.query ?? ""),
    body: options.body,
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
  };
}

function hasProblem(problems: string[], pattern: RegExp): boolean {
  return problems.some((p) => pattern.test(p));
}

function assertProblem(problems: string[], pattern: RegExp) {
  assert.ok(
    hasProblem(problems, pattern),
    `expected a problem matching ${pattern}, got:\n${problems.join("\n")}`,
  );
}

const API = "https://api.github.com";
const WEB = "https://github.com";

function user(login: string, id: number) {
  return {
    login,
    id,
    node_id: `MDQ6VXNlcj${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url: `${API}/users/${login}`,
    html_url: `${WEB}/${login}`,
    followers_url: `${API}/users/${login}/followers`,
    following_url: `${API}/users/${login}/following{/other_user}`,
    gists_url: `${API}/users/${login}/gists{/gist_id}`,
    starred_url: `${API}/users/${login}/starred{/owner}{/repo}`,
    subscriptions_url: `${API}/users/${login}/subscriptions`,
    organizations_url: `${API}/users/${login}/orgs`,
    repos_url: `${API}/users/${login}/repos`,
    events_url: `${API}/users/${login}/events{/privacy}`,
    received_events_url: `${API}/users/${login}/received_events`,
    type: "User",
    site_admin: false,
  };
}

/** A full issue as GitHub returns it from POST /repos/{owner}/{repo}/issues. */
function issue(): Record<string, unknown> {
  const repoUrl = `${API}/repos/acme/widgets`;
  const url = `${repoUrl}/issues/42`;
  return {
    id: 2_914_337_001,
    node_id: "I_kwDOABCDEF6tsxYp",
    url,
    repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${WEB}/acme/widgets/issues/42`,
    timeline_url: `${url}/timeline`,
    number: 42,
    state: "open",
    state_reason: null,
    title: "Goal: make the widgets faster",
    body: "Profile and speed up the widget renderer.",
    user: user("octocat", 583231),
    labels: [
      {
        id: 8_012_345_678,
        node_id: "LA_kwDOABCDEF8AAAAB3fXYZg",
        url: `${repoUrl}/labels/goal:queued`,
        name: "goal:queued",
        description: "Waiting for a runner",
        color: "0e8a16",
        default: false,
      },
    ],
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: 0,
    closed_at: null,
    created_at: "2025-03-01T12:00:00Z",
    updated_at: "2025-03-01T12:00:00Z",
    closed_by: null,
    author_association: "OWNER",
    performed_via_github_app: null,
    reactions: {
      url: `${url}/reactions`,
      total_count: 0,
      "+1": 0,
      "-1": 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
    sub_issues_summary: { total: 0, completed: 0, percent_completed: 0 },
  };
}

describe("contract: routing", () => {
  const contract = getContract();

  it("matches a valid create-issue request", () => {
    const check = contract.checkRequest(
      request("POST", "/repos/acme/widgets/issues", {
        body: { title: "Goal: x", body: "text", labels: ["goal:queued"], assignees: ["octocat"] },
        contentType: "application/json; charset=utf-8",
      }),
    );
    assert.equal(check.operationId, "issues/create");
    assert.equal(check.pathTemplate, "/repos/{owner}/{repo}/issues");
    assert.deepEqual(check.pathParams, { owner: "acme", repo: "widgets" });
    assert.deepEqual(check.problems, []);
  });

  it("rejects an unknown path, naming it", () => {
    const check = contract.checkRequest(request("GET", "/repos/acme/widgets/isues"));
    assert.equal(check.operationId, null);
    assert.equal(check.pathTemplate, null);
    assertProblem(check.problems, /\/repos\/acme\/widgets\/isues/);
  });

  it("treats a trailing slash as no match", () => {
    const check = contract.checkRequest(request("GET", "/repos/acme/widgets/issues/"));
    assert.equal(check.operationId, null);
    assert.equal(check.pathTemplate, null);
    assert.equal(check.problems.length, 1);
  });

  it("rejects an undocumented method and lists the documented ones", () => {
    const check = contract.checkRequest(request("PUT", "/repos/acme/widgets/issues"));
    assert.equal(check.operationId, null);
    assert.equal(check.pathTemplate, "/repos/{owner}/{repo}/issues");
    assertProblem(
      check.problems,
      /^PUT \/repos\/acme\/widgets\/issues is not in GitHub's REST description \(documented methods: GET, POST/,
    );
  });

  it("prefers the template with more literal segments", () => {
    const comment = contract.checkRequest(request("GET", "/repos/o/r/issues/comments/5"));
    assert.equal(comment.operationId, "issues/get-comment");
    assert.equal(comment.pathTemplate, "/repos/{owner}/{repo}/issues/comments/{comment_id}");
    assert.deepEqual(comment.pathParams, { owner: "o", repo: "r", comment_id: "5" });
    assert.deepEqual(comment.problems, []);

    const issueGet = contract.checkRequest(request("GET", "/repos/o/r/issues/5"));
    assert.equal(issueGet.operationId, "issues/get");
    assert.deepEqual(issueGet.pathParams, { owner: "o", repo: "r", issue_number: "5" });
    assert.deepEqual(issueGet.problems, []);
  });

  it("URL-decodes path parameters (label names with ':')", () => {
    const check = contract.checkRequest(request("DELETE", "/repos/o/r/labels/goal%3Aqueued"));
    assert.equal(check.operationId, "issues/delete-label");
    assert.equal(check.pathParams.name, "goal:queued");
    assert.deepEqual(check.problems, []);

    const remove = contract.checkRequest(
      request("DELETE", "/repos/o/r/issues/7/labels/goal%3Ain%20progress"),
    );
    assert.equal(remove.operationId, "issues/remove-label");
    assert.equal(remove.pathParams.name, "goal:in progress");
  });

  it("lets multi-segment parameters span slashes", () => {
    const check = contract.checkRequest(request("GET", "/repos/o/r/branches/feature/x/protection"));
    assert.equal(check.operationId, "repos/get-branch-protection");
    assert.equal(check.pathParams.branch, "feature/x");
    const ref = contract.checkRequest(request("GET", "/repos/o/r/git/ref/heads%2Fmain"));
    assert.equal(ref.operationId, "git/get-ref");
    assert.equal(ref.pathParams.ref, "heads/main");
  });

  it("validates path parameters (issue_number must be an integer)", () => {
    const check = contract.checkRequest(request("GET", "/repos/o/r/issues/abc"));
    assert.equal(check.operationId, "issues/get");
    assertProblem(check.problems, /path parameter 'issue_number' must be integer/);
  });

  it("finds no REST operation for POST /graphql (the description has no /graphql path)", () => {
    const check = contract.checkRequest(
      request("POST", "/graphql", { body: { query: "{ viewer { login } }" } }),
    );
    assert.equal(check.operationId, null);
    assert.equal(check.pathTemplate, null);
  });

  it("knows operation ids", () => {
    assert.equal(contract.hasOperation("issues/create"), true);
    assert.equal(contract.hasOperation("issues/add-sub-issue"), true);
    assert.equal(contract.hasOperation("issues/frobnicate"), false);
  });
});

describe("contract: request bodies and query parameters", () => {
  const contract = getContract();
  const create = (body: unknown) =>
    contract.checkRequest(
      request("POST", "/repos/o/r/issues", { body, contentType: "application/json" }),
    );

  it("rejects a missing required property", () => {
    assertProblem(
      create({ body: "no title" }).problems,
      /^request body of issues\/create: \/title is required$/,
    );
  });

  it("rejects a wrong type", () => {
    assertProblem(create({ title: "t", body: 5 }).problems, /\/body must be string/);
    assertProblem(create({ title: true }).problems, /\/title/);
  });

  it("rejects unknown properties in request objects (GitHub would silently drop them)", () => {
    assertProblem(
      create({ title: "t", labels: [{ name: "bug", colour: "red" }] }).problems,
      /\/labels\/0\/colour is not a documented property/,
    );
    assertProblem(
      create({ title: "t", label: ["bug"] }).problems,
      /\/label is not a documented property/,
    );
  });

  it("requires a body where GitHub does and refuses one where GitHub takes none", () => {
    assertProblem(create(undefined).problems, /issues\/create requires a request body/);
    const get = contract.checkRequest(
      request("GET", "/repos/o/r/issues/1", { body: { title: "x" } }),
    );
    assertProblem(get.problems, /issues\/get takes no request body/);
  });

  it("rejects a non-JSON content type for a JSON body", () => {
    const check = contract.checkRequest(
      request("POST", "/repos/o/r/issues", { body: { title: "t" }, contentType: "text/plain" }),
    );
    assertProblem(
      check.problems,
      /content type text\/plain is not accepted; documented: application\/json/,
    );
  });

  it("handles oneOf bodies: set labels", () => {
    const put = (body: unknown) =>
      contract.checkRequest(request("PUT", "/repos/o/r/issues/3/labels", { body })).problems;
    assert.deepEqual(put({ labels: ["goal:queued"] }), []);
    assert.deepEqual(put({ labels: [{ name: "goal:queued" }] }), []);
    assert.ok(put({ labels: [5] }).length > 0);
    assert.ok(put({ labels: "goal:queued" }).length > 0);
  });

  it("sub-issues take an integer id", () => {
    const add = (body: unknown) =>
      contract.checkRequest(request("POST", "/repos/o/r/issues/3/sub_issues", { body })).problems;
    assert.deepEqual(add({ sub_issue_id: 123456 }), []);
    assertProblem(add({ sub_issue_number: 4 }), /\/sub_issue_id is required/);
  });

  it("rejects unknown query parameters and lists the accepted ones", () => {
    const check = contract.checkRequest(
      request("GET", "/repos/o/r/issues", { query: "state=open&foo=1" }),
    );
    assert.equal(check.operationId, "issues/list-for-repo");
    assertProblem(
      check.problems,
      /query parameter 'foo' is not accepted by issues\/list-for-repo; accepted: .*\bstate\b/,
    );
    assert.equal(check.problems.length, 1);
  });

  it("coerces and validates query values (enum, integer, boolean)", () => {
    const list = (query: string) =>
      contract.checkRequest(request("GET", "/repos/o/r/issues", { query })).problems;
    assert.deepEqual(list("state=all&labels=goal:queued,bug&per_page=100&page=2"), []);
    assertProblem(
      list("state=opened"),
      /query parameter 'state' must be one of "open", "closed", "all"/,
    );
    assertProblem(list("per_page=lots"), /query parameter 'per_page' must be integer/);
    const runs = (query: string) =>
      contract.checkRequest(request("GET", "/repos/o/r/actions/runs", { query })).problems;
    assert.deepEqual(runs("exclude_pull_requests=true&status=in_progress"), []);
    assertProblem(runs("exclude_pull_requests=yes"), /'exclude_pull_requests' must be boolean/);
  });
});

describe("contract: responses", () => {
  const contract = getContract();

  it("accepts a full, realistic issue", () => {
    assert.deepEqual(contract.checkResponse("issues/create", 201, issue()), []);
    assert.deepEqual(contract.checkResponse("issues/get", 200, issue()), []);
    assert.deepEqual(contract.checkResponse("issues/list-for-repo", 200, [issue(), issue()]), []);
  });

  it("rejects a wrong type, with a readable message", () => {
    const problems = contract.checkResponse("issues/create", 201, { ...issue(), html_url: 5 });
    assert.deepEqual(problems, [
      "response 201 of issues/create: /html_url must be string (got integer 5)",
    ]);
    const nested = contract.checkResponse("issues/create", 201, {
      ...issue(),
      user: { ...user("octocat", 1), login: 5 },
    });
    assertProblem(nested, /^response 201 of issues\/create: \/user\/login must be string/);
  });

  it("rejects a missing required field", () => {
    const { number: _number, ...rest } = issue();
    assert.deepEqual(contract.checkResponse("issues/create", 201, rest), [
      "response 201 of issues/create: /number is required",
    ]);
  });

  it("checks formats (uri, date-time)", () => {
    assertProblem(
      contract.checkResponse("issues/get", 200, { ...issue(), html_url: "not a url" }),
      /\/html_url must match format "uri"/,
    );
    assertProblem(
      contract.checkResponse("issues/get", 200, { ...issue(), created_at: "yesterday" }),
      /\/created_at must match format "date-time"/,
    );
  });

  it("allows null where the description says nullable, and not elsewhere", () => {
    assert.deepEqual(
      contract.checkResponse("issues/get", 200, { ...issue(), body: null, milestone: null }),
      [],
    );
    assertProblem(
      contract.checkResponse("issues/get", 200, { ...issue(), title: null }),
      /\/title must be string \(got null\)/,
    );
  });

  it("rejects a body on 204", () => {
    assert.deepEqual(contract.checkResponse("issues/delete-label", 204, undefined), []);
    assertProblem(
      contract.checkResponse("issues/delete-label", 204, { ok: true }),
      /response 204 of issues\/delete-label must have no body/,
    );
  });

  it("rejects an undocumented status", () => {
    assert.deepEqual(contract.checkResponse("issues/create", 200, issue()), [
      "status 200 is not documented for issues/create; documented: 201, 400, 403, 404, 410, 422, 503",
    ]);
  });

  it("checks error bodies in GitHub's shape", () => {
    assert.deepEqual(
      contract.checkResponse("issues/create", 422, {
        message: "Validation Failed",
        errors: [{ resource: "Issue", code: "missing_field", field: "title" }],
        documentation_url: "https://docs.github.com/rest/issues/issues#create-an-issue",
      }),
      [],
    );
    // basic-error (404 and others) requires nothing, but types still count.
    assert.deepEqual(contract.checkResponse("issues/get", 404, { message: "Not Found" }), []);
    assertProblem(
      contract.checkResponse("issues/get", 404, { message: 404 }),
      /response 404 of issues\/get: \/message must be string/,
    );
    // validation-error (422) requires message and documentation_url.
    assertProblem(
      contract.checkResponse("issues/create", 422, { message: "Validation Failed" }),
      /response 422 of issues\/create: \/documentation_url is required/,
    );
  });

  it("requires a JSON body where one is documented", () => {
    assertProblem(contract.checkResponse("issues/get", 200, undefined), /must have a JSON body/);
  });

  it("reports unknown operations", () => {
    assertProblem(
      contract.checkResponse("issues/frobnicate", 200, {}),
      /issues\/frobnicate is not an operation/,
    );
  });
});
