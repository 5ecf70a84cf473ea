import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { decodeMarkers, encodeMarker } from "../../src/core/markers.js";
import { isStateLabel } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import type { DispatchSettings } from "../../src/flows/dispatch.js";
import { type Cycle, dispatchCycle, dispatchSummary } from "../helpers/dispatch-cycle.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// Goals whose dependency is goal:stuck: a dispatch cycle in-process, against the local GitHub
// API server, says so once on each, and claims them once it is done.

let gh: TestWorld;
const owner = "acme";
const repo = "widgets";

beforeEach(async () => {
  gh = await startWorld();
});
afterEach(() => gh.close());

const runDispatch = (settings: Partial<DispatchSettings>, runId = 1001) =>
  dispatchCycle(gh, settings, { runId });

const claimed = (cycle: Cycle): number[] => cycle.matrix.map((entry) => entry.goal);

const summaryOf = (cycle: Cycle) => dispatchSummary(cycle.report, gh.repo);

async function goal(title: string, depends: string[] = []) {
  const body = depends.length > 0 ? `${GOAL_BODY}\nDepends: ${depends.join(", ")}\n` : GOAL_BODY;
  return (await createGoal(gh.store, { title, body, queue: true, spotCheck: false })).number;
}

/** A queued goal that failed its last attempt: goal:stuck. */
async function stuckGoal(title: string) {
  const number = await goal(title);
  await gh.store.transition(number, { to: "stuck", reason: "failed its last attempt (test)" });
  return number;
}

/** A goal an agent works on now (its workflow run in progress), taking one slot. */
async function runningGoal(title: string) {
  const number = await goal(title);
  gh.server.addWorkflowRun(owner, repo, { id: 900, status: "in_progress" });
  const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  await gh.client.rest.issues.createComment({
    owner,
    repo,
    issue_number: number,
    body: encodeMarker({
      kind: "claim",
      attempt: 1,
      claimId: "busy",
      claimedBy: { runId: "900" },
      claimedAt: hours(-1),
      leaseExpiresAt: hours(3),
    }),
  });
  await gh.store.transition(number, { to: "running", reason: "claimed in the test" });
  return number;
}

async function comments(number: number, repository = repo) {
  const { data } = await gh.client.rest.issues.listComments({
    owner,
    repo: repository,
    issue_number: number,
  });
  return data.map((c) => ({ author: c.user?.login ?? "", body: c.body ?? "" }));
}

/** The comments on a goal that carry a blocked marker, by author. */
async function blockedComments(number: number) {
  return (await comments(number)).filter((c) =>
    decodeMarkers(c.body).some((marker) => marker.kind === "blocked"),
  );
}

async function stateOf(number: number) {
  const { data } = await gh.client.rest.issues.listLabelsOnIssue({
    owner,
    repo,
    issue_number: number,
  });
  return data.map((label) => label.name).filter(isStateLabel);
}

/** Requests the dispatcher made on the server since `from` (an index into its request log). */
const requestsSince = (from: number) => gh.server.requests.slice(from);

describe("goals blocked by a stuck dependency", () => {
  it("are told once with a marker, not again, and claimed once the dependency is done", async () => {
    const dependency = await stuckGoal("Parse widgets");
    const dependent = await goal("Export CSV", [`#${dependency}`]);
    const free = await goal("Unrelated");

    // Someone without write access pastes markers: on the dependent, to stop the dispatcher from
    // saying so; on an unrelated goal, to make it look blocked. Neither counts.
    const outsider = await gh.as("mallory");
    for (const number of [dependent, free]) {
      await outsider.client.rest.issues.createComment({
        owner,
        repo,
        issue_number: number,
        body: encodeMarker({ kind: "blocked", by: [`${owner}/${repo}#${dependency}`] }),
      });
    }

    const one = await runDispatch({ max: 2 });
    assert.deepEqual(claimed(one), [free]);
    assert.deepEqual(await stateOf(dependent), ["goal:queued"], "blocked is not a state");
    const told = (await blockedComments(dependent)).filter((c) => c.author === "maintainer");
    assert.equal(told.length, 1, "one comment from the orchestrator");
    const [comment] = told;
    assert.deepEqual(
      decodeMarkers(comment?.body ?? "").filter((m) => m.kind === "blocked"),
      [{ kind: "blocked", by: [`acme/widgets#${dependency}`] }],
    );
    assert.match(
      comment?.body ?? "",
      new RegExp(`its dependency #${dependency} is \`goal:stuck\``),
    );
    assert.match(comment?.body ?? "", new RegExp(`\`goal queue ${dependency}\``));
    assert.match(comment?.body ?? "", /remove .* from this goal's `Depends:` line/);
    assert.equal(
      (await blockedComments(free)).filter((c) => c.author === "maintainer").length,
      0,
      "the outsider's marker made no goal blocked",
    );
    assert.equal(one.report.stuck.length, 0);
    const summary = await summaryOf(one);
    assert.match(summary, /<th>blocked<\/th>/);
    assert.match(
      summary,
      new RegExp(`waits for #${dependency} \\(goal:stuck\\); told on the issue now`),
    );

    // A second cycle: nothing new to say, and no request spent on saying it.
    const before = gh.server.requests.length;
    const two = await runDispatch({ max: 2 }, 1002);
    assert.deepEqual(claimed(two), []);
    assert.equal(
      (await blockedComments(dependent)).filter((c) => c.author === "maintainer").length,
      1,
    );
    const written = requestsSince(before).filter(
      (r) => r.operationId === "issues/create-comment" && r.path.includes(`/issues/${dependent}/`),
    );
    assert.deepEqual(written, [], "no comment on the goal already told");
    assert.match(
      await summaryOf(two),
      new RegExp(`waits for #${dependency} \\(goal:stuck\\)</td>`),
    );

    // A human fixes the dependency; it runs and is done. The dependent runs as before.
    await gh.store.transition(dependency, { to: "queued", reason: "fixed (test)" });
    await gh.store.transition(dependency, { to: "running", reason: "claimed (test)" });
    await gh.store.transition(dependency, { to: "done", reason: "merged (test)" });
    const three = await runDispatch({ max: 3 }, 1003);
    assert.deepEqual(claimed(three), [dependent]);
    assert.deepEqual(await stateOf(dependent), ["goal:running"]);
    assert.equal(
      (await blockedComments(dependent)).filter((c) => c.author === "maintainer").length,
      1,
    );
  });

  it("across repositories, with no slot free, and a new comment only when another dependency gets stuck", async () => {
    gh.server.createRepository({ owner, name: "lib", defaultPermission: "read" });
    gh.server.setPermission(owner, "lib", "maintainer", "write");
    await gh.client.rest.issues.createLabel({
      owner,
      repo: "lib",
      name: "goal:stuck",
      color: "b60205",
    });
    const { data: upstream } = await gh.client.rest.issues.create({
      owner,
      repo: "lib",
      title: "Upstream parser",
      labels: ["goal:stuck"],
    });
    await runningGoal("Busy");
    const local = await goal("Local dependency");
    const dependent = await goal("Needs both", [`acme/lib#${upstream.number}`, `#${local}`]);
    // No slot free: the cycle claims nothing, yet still reads the queue for blocked goals.
    const one = await runDispatch({ max: 1 });
    assert.deepEqual(one.report.notes, ["1 goals are running, the maximum is 1."]);
    assert.deepEqual(claimed(one), []);
    let told = (await blockedComments(dependent)).filter((c) => c.author === "maintainer");
    assert.equal(told.length, 1);
    assert.match(told[0]?.body ?? "", new RegExp(`acme/lib#${upstream.number}`));
    assert.match(told[0]?.body ?? "", new RegExp(`goal queue ${upstream.number} --repo acme/lib`));

    // The local dependency gets stuck too: a new set, so one more comment naming both.
    await gh.store.transition(local, { to: "stuck", reason: "failed its last attempt (test)" });
    await runDispatch({ max: 1 }, 1002);
    told = (await blockedComments(dependent)).filter((c) => c.author === "maintainer");
    assert.equal(told.length, 2);
    assert.deepEqual(
      decodeMarkers(told[1]?.body ?? "").filter((m) => m.kind === "blocked"),
      [{ kind: "blocked", by: [`acme/lib#${upstream.number}`, `acme/widgets#${local}`] }],
    );
    assert.match(told[1]?.body ?? "", /its dependencies .* are `goal:stuck`/);

    // The local one is re-queued: still blocked by the other, already said; no new comment.
    await gh.store.transition(local, { to: "queued", reason: "fixed (test)" });
    await runDispatch({ max: 1 }, 1003);
    assert.equal(
      (await blockedComments(dependent)).filter((c) => c.author === "maintainer").length,
      2,
    );
  });

  it("a dry run says what it would tell and writes nothing", async () => {
    const dependency = await stuckGoal("Parse widgets");
    const dependent = await goal("Export CSV", [`#${dependency}`]);
    const result = await runDispatch({ max: 2, dryRun: true });
    assert.deepEqual(claimed(result), []);
    assert.match(await summaryOf(result), /would be told on the issue/);
    assert.deepEqual(await blockedComments(dependent), []);
  });

  it("asked to run a blocked goal by number, names the stuck dependency and changes nothing", async () => {
    const dependency = await stuckGoal("Parse widgets");
    const dependent = await goal("Export CSV", [`#${dependency}`]);
    await assert.rejects(
      runDispatch({ goal: dependent }),
      new RegExp(`Goal #${dependent} cannot run: its dependency #${dependency} is goal:stuck`),
    );
    assert.deepEqual(await stateOf(dependent), ["goal:queued"]);
  });
});
