import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { UserError } from "../../src/core/errors.js";
import { decodeMarkers, encodeMarker } from "../../src/core/markers.js";
import { isStateLabel, LABELS } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { ConflictError } from "../../src/github/errors.js";
import { GitHubGoalStore } from "../../src/github/goal-store.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";

let gh: GitHubFixture;

beforeEach(async () => {
  gh = await startGitHubFixture();
});
afterEach(() => gh.close());

async function labelsOf(number: number): Promise<string[]> {
  const { data } = await gh.client.rest.issues.listLabelsOnIssue({
    owner: "acme",
    repo: "widgets",
    issue_number: number,
  });
  return data.map((label) => label.name);
}

async function makeStory(title = "Widgets story"): Promise<number> {
  const { data } = await gh.client.rest.issues.create({
    owner: "acme",
    repo: "widgets",
    title,
    labels: ["story"],
  });
  return data.number;
}

async function queuedGoal(title: string, extra: { depends?: string[] } = {}) {
  return createGoal(gh.store, { title, body: GOAL_BODY, queue: true, spotCheck: false, ...extra });
}

function stateLabels(labels: string[]) {
  return labels.filter(isStateLabel);
}

describe("labels", () => {
  it("creates every goal label once, with colour and description, and is idempotent", async () => {
    const first = await gh.store.ensureLabels(LABELS);
    assert.deepEqual(first.created.sort(), LABELS.map((label) => label.name).sort());
    const second = await gh.store.ensureLabels(LABELS);
    assert.deepEqual(second, { created: [], updated: [] });
    const { data } = await gh.client.rest.issues.getLabel({
      owner: "acme",
      repo: "widgets",
      name: "goal:queued",
    });
    const spec = LABELS.find((label) => label.name === "goal:queued");
    assert.equal(data.color, spec?.color);
    assert.equal(data.description, spec?.description);
  });

  it("repairs a label whose colour a human changed, keeping their description", async () => {
    await gh.client.rest.issues.createLabel({
      owner: "acme",
      repo: "widgets",
      name: "goal:stuck",
      color: "000000",
      description: "ours",
    });
    const result = await gh.store.ensureLabels(LABELS);
    assert.deepEqual(result.updated, ["goal:stuck"]);
    const { data } = await gh.client.rest.issues.getLabel({
      owner: "acme",
      repo: "widgets",
      name: "goal:stuck",
    });
    assert.notEqual(data.color, "000000");
    assert.equal(data.description, "ours");
  });
});

describe("creating goals", () => {
  it("creates a draft goal under its story, with Story:/Depends: lines, sub-issue and blocked-by links", async () => {
    const story = await makeStory();
    const dependency = await queuedGoal("Parse widgets");
    const created = await createGoal(gh.store, {
      title: "Export CSV",
      body: GOAL_BODY,
      story: String(story),
      depends: [`#${dependency.number}`],
      queue: false,
      spotCheck: true,
    });
    assert.deepEqual(created.warnings, []);
    assert.match(created.url, new RegExp(`/acme/widgets/issues/${created.number}$`));
    assert.deepEqual((await labelsOf(created.number)).sort(), ["goal:draft", "spot-check"]);
    const goal = await gh.store.getGoal(created.number);
    assert.match(goal.body, new RegExp(`^Story: #${story}$`, "m"));
    assert.match(goal.body, new RegExp(`^Depends: #${dependency.number}$`, "m"));
    const children = await gh.client.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
      {
        owner: "acme",
        repo: "widgets",
        issue_number: story,
      },
    );
    assert.deepEqual(
      children.data.map((child) => child.number),
      [created.number],
    );
    const blockers = await gh.client.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
      {
        owner: "acme",
        repo: "widgets",
        issue_number: created.number,
      },
    );
    assert.deepEqual(
      blockers.data.map((issue) => issue.number),
      [dependency.number],
    );
  });

  it("refuses a missing story, a non-story and a missing dependency, creating nothing", async () => {
    const plain = (
      await gh.client.rest.issues.create({ owner: "acme", repo: "widgets", title: "not a story" })
    ).data.number;
    const before = gh.server.requests.filter((r) => r.operationId === "issues/create").length;
    await assert.rejects(
      createGoal(gh.store, {
        title: "x",
        body: GOAL_BODY,
        story: "#999",
        queue: false,
        spotCheck: false,
      }),
      (error: unknown) =>
        error instanceof UserError && /Story #999 does not exist/.test(error.message),
    );
    await assert.rejects(
      createGoal(gh.store, {
        title: "x",
        body: GOAL_BODY,
        story: String(plain),
        queue: false,
        spotCheck: false,
      }),
      (error: unknown) =>
        error instanceof UserError && /is not a story: it has no "story" label/.test(error.message),
    );
    await assert.rejects(
      createGoal(gh.store, {
        title: "x",
        body: GOAL_BODY,
        depends: ["#12345", "other/repo#3"],
        queue: false,
        spotCheck: false,
      }),
      (error: unknown) =>
        error instanceof UserError &&
        /Dependency #12345 does not exist/.test(error.message) &&
        /Dependency other\/repo#3 does not exist/.test(error.message),
    );
    await assert.rejects(
      createGoal(gh.store, {
        title: "x",
        body: "## Objective\nonly this",
        queue: false,
        spotCheck: false,
      }),
      /Acceptance/,
    );
    const afterCount = gh.server.requests.filter((r) => r.operationId === "issues/create").length;
    assert.equal(afterCount, before, "no issue was created for refused goals");
  });

  it("refuses goals from an account without write access", async () => {
    gh.server.setPermission("acme", "widgets", "reader", "read");
    const reader = await gh.as("reader");
    await assert.rejects(
      createGoal(reader.store, { title: "x", body: GOAL_BODY, queue: true, spotCheck: false }),
      /reader has no write access to acme\/widgets/,
    );
  });

  for (const fault of [
    { name: "a 502 after GitHub created the issue", spec: { applyThenFail: true, status: 502 } },
    {
      name: "a dropped connection after GitHub created the issue",
      spec: { applyThenFail: true, dropConnection: true },
    },
    { name: "a 500 before anything was created", spec: { status: 500 } },
    { name: "a secondary rate limit", spec: { status: 403, retryAfter: 0 } },
  ]) {
    it(`creates exactly one issue through ${fault.name}`, async () => {
      await gh.store.ensureLabels(LABELS);
      gh.server.faults.add({ route: "issues/create", ...fault.spec });
      const created = await queuedGoal("Survive faults");
      const { data } = await gh.client.rest.issues.listForRepo({
        owner: "acme",
        repo: "widgets",
        state: "all",
      });
      assert.deepEqual(
        data.filter((issue) => issue.title === "Survive faults").map((issue) => issue.number),
        [created.number],
      );
      assert.ok(
        gh.server.requests.some((r) => r.injected),
        "the fault was hit",
      );
      assert.deepEqual(stateLabels(await labelsOf(created.number)), ["goal:queued"]);
    });
  }
});

describe("listing goals", () => {
  it("lists one state oldest first, across pages, and fetches lazily", async () => {
    const numbers: number[] = [];
    for (const title of ["one", "two", "three", "four", "five"])
      numbers.push((await queuedGoal(title)).number);
    await gh.store.transition(numbers[2] ?? 0, { to: "running", reason: "test" });
    const paged = await GitHubGoalStore.connect({ client: gh.client, repo: gh.repo, pageSize: 2 });
    const listed: number[] = [];
    for await (const goal of paged.listGoals("queued")) listed.push(goal.ref.number);
    assert.deepEqual(listed, [numbers[0], numbers[1], numbers[3], numbers[4]]);

    gh.server.resetRequests();
    for await (const goal of paged.listGoals("queued")) {
      assert.equal(goal.ref.number, numbers[0]);
      break;
    }
    assert.equal(
      gh.server.requests.filter((r) => r.operationId === "graphql").length,
      1,
      "one page for one goal",
    );
  });

  it("counts only markers written by trusted accounts", async () => {
    const goal = await queuedGoal("Markers");
    const claim = encodeMarker({
      kind: "claim",
      attempt: 7,
      claimedBy: { host: "laptop" },
      claimedAt: "2026-01-01T00:00:00Z",
      leaseExpiresAt: "2026-01-01T04:00:00Z",
    });
    const mallory = await gh.as("mallory");
    await mallory.client.rest.issues.createComment({
      owner: "acme",
      repo: "widgets",
      issue_number: goal.number,
      body: `look\n${claim}`,
    });
    assert.deepEqual(
      (await gh.store.getGoal(goal.number)).markers.filter((m) => m.kind === "claim"),
      [],
    );

    await gh.client.rest.issues.createComment({
      owner: "acme",
      repo: "widgets",
      issue_number: goal.number,
      body: claim,
    });
    const claims = (await gh.store.getGoal(goal.number)).markers.filter((m) => m.kind === "claim");
    assert.deepEqual(
      claims.map((m) => m.attempt),
      [7],
    );

    const trusting = await GitHubGoalStore.connect({
      client: gh.client,
      repo: gh.repo,
      markerAuthors: ["Mallory"],
    });
    assert.equal(
      (await trusting.getGoal(goal.number)).markers.filter((m) => m.kind === "claim").length,
      2,
    );
  });

  it("finds markers older than the newest hundred comments", async () => {
    const goal = await queuedGoal("Chatty");
    await gh.store.transition(goal.number, { to: "running", reason: "claimed for the test" });
    // 101 comments in a few seconds are over GitHub's 80 content-creating requests a minute; on
    // GitHub they would take minutes of chatter. The limit is not what this test is about.
    gh.server.setLimits({ secondary: false });
    try {
      for (let i = 0; i < 101; i++) {
        await gh.client.rest.issues.createComment({
          owner: "acme",
          repo: "widgets",
          issue_number: goal.number,
          body: `chat ${i}`,
        });
      }
    } finally {
      gh.server.setLimits({ secondary: true });
    }
    const snapshot = await gh.store.getGoal(goal.number);
    assert.deepEqual(
      snapshot.markers
        .filter((m) => m.kind === "transition")
        .map((m) => (m.kind === "transition" ? m.to : null)),
      ["running"],
    );
  });
});

describe("transitions", () => {
  it("leaves exactly one state label, keeps other labels and explains the change", async () => {
    const goal = await queuedGoal("Transition me");
    await gh.client.rest.issues.addLabels({
      owner: "acme",
      repo: "widgets",
      issue_number: goal.number,
      labels: ["area:cli"],
    });
    const { from } = await gh.store.transition(goal.number, {
      to: "running",
      expectedFrom: "queued",
      reason: "claimed",
    });
    assert.equal(from, "queued");
    assert.deepEqual((await labelsOf(goal.number)).sort(), ["area:cli", "goal:running"]);
    const snapshot = await gh.store.getGoal(goal.number);
    assert.equal(snapshot.state, "running");
    const last = snapshot.markers.at(-1);
    assert.equal(last?.kind, "transition");
    assert.equal(last?.kind === "transition" ? `${last.from}→${last.to}` : "", "queued→running");
  });

  it("cuts a 70,000-character reason to fit GitHub's comment limit, keeping the markers whole", async () => {
    const goal = await queuedGoal("Long reason");
    // "-", "<" and ">" grow sixfold in a marker's JSON; the reason is full of them.
    const reason = `${"why <-> ".repeat(8_750)}end`;
    assert.ok(reason.length > 70_000);
    await gh.store.transition(goal.number, {
      to: "running",
      expectedFrom: "queued",
      reason,
      marker: {
        kind: "run-result",
        attempt: 1,
        outcome: "failure",
        reason,
        countsAsAttempt: true,
        logTail: "l".repeat(70_000),
      },
    });
    await gh.store.recordMarker(goal.number, "x".repeat(70_000), {
      kind: "feedback",
      attempt: 1,
      source: "reject",
      text: "short feedback",
    });
    const comments = gh.server.getIssue("acme", "widgets", goal.number)?.comments ?? [];
    const [transition, feedback] = comments.slice(-2).map((comment) => comment.body);
    for (const body of [transition, feedback]) {
      assert.ok(body !== undefined && body.length <= 65_536, `${body?.length} characters`);
      assert.match(body, /cut to fit GitHub's 65,536-character limit/);
    }
    assert.ok(feedback?.startsWith("xxxx"));
    const markers = (await gh.store.getGoal(goal.number)).markers.slice(-3);
    assert.deepEqual(
      markers.map((marker) => marker.kind),
      ["transition", "run-result", "feedback"],
    );
    const [moved, result, fed] = markers;
    assert.equal(moved?.kind === "transition" && `${moved.from}→${moved.to}`, "queued→running");
    assert.ok(moved?.kind === "transition" && moved.reason.startsWith("why <-> why"));
    assert.ok(result?.kind === "run-result" && result.outcome === "failure");
    assert.ok(result?.kind === "run-result" && result.reason.endsWith("… (cut)"));
    assert.equal(fed?.kind === "feedback" && fed.text, "short feedback");
  });

  it("adds a move to the attempt's claim comment, or posts one when it would not fit", async () => {
    const goal = await queuedGoal("Append");
    const recorded = await gh.store.recordMarker(goal.number, "Claiming attempt 1.", {
      kind: "claim",
      attempt: 1,
      claimedBy: { runId: "7" },
      claimedAt: new Date().toISOString(),
      leaseExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const claimed = { ...recorded, attempt: 1, author: gh.store.viewer };
    await gh.store.transition(goal.number, { to: "running", reason: "claimed" });
    const commentsOf = () => gh.server.getIssue("acme", "widgets", goal.number)?.comments ?? [];
    const before = commentsOf().length;
    const at = new Date(Date.now() + 1000);
    const result = {
      kind: "run-result",
      attempt: 1,
      outcome: "success",
      reason: "finished",
      countsAsAttempt: true,
    } as const;
    await gh.store.transition(goal.number, {
      to: "done",
      expectedFrom: "running",
      reason: "attempt 1 succeeded",
      marker: result,
      appendTo: { comment: claimed, at },
    });
    assert.equal(commentsOf().length, before, "edited, not posted");
    const body = commentsOf().find((comment) => comment.id === claimed.commentId)?.body ?? "";
    assert.ok(body.startsWith(claimed.body), "the claim stays as it was");
    assert.match(body, /\*\*running → done\*\*: attempt 1 succeeded/);
    assert.deepEqual(
      decodeMarkers(body).map((marker) => ("at" in marker ? marker.at : undefined)),
      [undefined, at.toISOString(), at.toISOString()],
      "the claim, then the move and result, dated",
    );

    // Another account's comment (a reader may not trust its markers), and one with no room
    // left: the move gets a comment of its own, whole.
    await gh.store.transition(goal.number, {
      to: "queued",
      reason: "not mine",
      appendTo: { comment: { ...claimed, author: "someone-else" }, at },
    });
    assert.equal(commentsOf().length, before + 1);
    assert.match(commentsOf().at(-1)?.body ?? "", /^\*\*done → queued\*\*: not mine/);
    await gh.store.transition(goal.number, { to: "running", reason: "claimed again" });
    const full = { ...claimed, body: `${claimed.body}${" ".repeat(65_400 - claimed.body.length)}` };
    await gh.store.transition(goal.number, {
      to: "queued",
      reason: "again",
      appendTo: { comment: full, at },
    });
    assert.equal(commentsOf().length, before + 3);
    assert.match(commentsOf().at(-1)?.body ?? "", /^\*\*running → queued\*\*: again/);
    assert.equal((await gh.store.getGoal(goal.number)).state, "queued");
  });

  it("leaves comments that fit exactly as they were", async () => {
    const goal = await queuedGoal("Short reason");
    const marker = { kind: "feedback", attempt: 1, source: "reject", text: "redo" } as const;
    await gh.store.recordMarker(goal.number, "Rejected: redo", marker);
    const comments = gh.server.getIssue("acme", "widgets", goal.number)?.comments ?? [];
    assert.equal(comments.at(-1)?.body, `Rejected: redo\n\n${encodeMarker(marker)}`);
  });

  it("repairs a goal carrying two state labels", async () => {
    const goal = await queuedGoal("Two labels");
    await gh.client.rest.issues.addLabels({
      owner: "acme",
      repo: "widgets",
      issue_number: goal.number,
      labels: ["goal:draft"],
    });
    await gh.store.transition(goal.number, { to: "queued", reason: "repair" });
    assert.deepEqual(stateLabels(await labelsOf(goal.number)), ["goal:queued"]);
  });

  it("refuses transitions the state machine does not allow, and stale expectations", async () => {
    const goal = await createGoal(gh.store, {
      title: "Draft",
      body: GOAL_BODY,
      queue: false,
      spotCheck: false,
    });
    await assert.rejects(
      gh.store.transition(goal.number, { to: "done", reason: "skip" }),
      /cannot become done/,
    );
    await assert.rejects(
      gh.store.transition(goal.number, { to: "running", expectedFrom: "queued", reason: "claim" }),
      (error: unknown) => error instanceof ConflictError,
    );
    assert.deepEqual(stateLabels(await labelsOf(goal.number)), ["goal:draft"]);
  });

  it("keeps exactly one state label when two transitions race on one goal", async () => {
    const goal = await queuedGoal("Race");
    await gh.store.transition(goal.number, { to: "running", reason: "claimed" });
    const other = await gh.as("maintainer");
    const results = await Promise.allSettled([
      gh.store.transition(goal.number, {
        to: "done",
        expectedFrom: "running",
        reason: "agent finished",
      }),
      other.store.transition(goal.number, {
        to: "queued",
        expectedFrom: "running",
        reason: "lease expired",
      }),
    ]);
    assert.ok(results.some((result) => result.status === "fulfilled"));
    const labels = stateLabels(await labelsOf(goal.number));
    assert.equal(labels.length, 1);
    assert.ok(["goal:done", "goal:queued"].includes(labels[0] ?? ""));
  });

  it("survives a lost response on the label change", async () => {
    const goal = await queuedGoal("Lost label response");
    gh.server.faults.add({ route: "issues/set-labels", applyThenFail: true, status: 502 });
    await gh.store.transition(goal.number, { to: "running", reason: "claimed" });
    assert.deepEqual(stateLabels(await labelsOf(goal.number)), ["goal:running"]);
  });
});

describe("dependencies", () => {
  it("reads states across repositories and reports missing issues and repositories", async () => {
    gh.server.createRepository({ owner: "other", name: "lib" });
    const { data: closed } = await gh.client.rest.issues.create({
      owner: "other",
      repo: "lib",
      title: "upstream",
    });
    await gh.client.rest.issues.update({
      owner: "other",
      repo: "lib",
      issue_number: closed.number,
      state: "closed",
      state_reason: "completed",
    });
    const local = await queuedGoal("Local", { depends: [`other/lib#${closed.number}`] });
    const infos = await gh.store.dependencyInfo([
      { owner: "acme", repo: "widgets", number: local.number },
      { owner: "other", repo: "lib", number: closed.number },
      { owner: "other", repo: "lib", number: 999 },
      { owner: "nobody", repo: "nothing", number: 1 },
    ]);
    assert.deepEqual(
      infos.map((info) => [info.exists, info.open, info.stateReason?.toLowerCase() ?? null]),
      [
        [true, true, null],
        [true, false, "completed"],
        [false, false, null],
        [false, false, null],
      ],
    );
    assert.deepEqual(infos[0]?.labels, ["goal:queued"]);
    assert.deepEqual(infos[0]?.dependsOn, [{ owner: "other", repo: "lib", number: closed.number }]);
  });
});

describe("errors", () => {
  it("explains a rejected token", async () => {
    const { createClient } = await import("../../src/github/client.js");
    const client = createClient({ token: "wrong", apiUrl: gh.server.url });
    await assert.rejects(
      GitHubGoalStore.connect({ client, repo: gh.repo }),
      /GitHub rejected the token.*GITHUB_TOKEN or GH_TOKEN/,
    );
  });

  it("explains a missing goal and a missing repository", async () => {
    await assert.rejects(gh.store.getGoal(4242), /Issue #4242 does not exist in acme\/widgets/);
    const elsewhere = await GitHubGoalStore.connect({
      client: gh.client,
      repo: { owner: "acme", repo: "gone" },
    });
    await assert.rejects(elsewhere.getGoal(1), /Repository acme\/gone was not found/);
  });
});
