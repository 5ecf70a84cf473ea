import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createGoal } from "../../src/flows/create-goal.js";
import { type ActionRun, runActionBundle } from "../helpers/action-runner.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { doneToday } from "../helpers/goals.js";
import { downUrl, type Receiver, shownLog, startReceiver } from "../helpers/notify-receiver.js";
import { vettedText } from "../helpers/vetted-text.js";
import { startWorld, type TestWorld } from "../helpers/world.js";

// Notifications from the bundled runner and dispatcher actions, run as processes against the
// local GitHub API server, posting to a real local HTTP receiver: what arrives, in which
// format, and that a receiver that is down, slow or refusing changes nothing but a warning.

const owner = "acme";
const repo = "widgets";
const RUNNER_RUN_ID = 4242;
const DISPATCH_RUN_ID = 1001;

let w: TestWorld & { receiver: Receiver };

beforeEach(async () => {
  const world = await startWorld();
  world.server.addWorkflowRun(owner, repo, { id: RUNNER_RUN_ID, status: "in_progress" });
  world.server.addWorkflowRun(owner, repo, { id: DISPATCH_RUN_ID, status: "in_progress" });
  w = { ...world, receiver: await startReceiver() };
});
afterEach(async () => {
  try {
    await w.receiver.close();
  } finally {
    await w.close();
  }
});

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** A goal claimed for `attempt` (the earlier ones failed) and goal:running. */
async function claimedGoal(
  title: string,
  options: { attempt?: number; leaseHours?: number; spotCheck?: boolean } = {},
): Promise<number> {
  const attempt = options.attempt ?? 1;
  const { number } = await createGoal(w.store, {
    title,
    body: GOAL_BODY,
    queue: true,
    spotCheck: options.spotCheck ?? false,
  });
  for (let earlier = 1; earlier < attempt; earlier++) {
    await w.store.recordMarker(number, "claim", {
      kind: "claim",
      attempt: earlier,
      claimId: `old${earlier}`,
      claimedBy: { runId: "1" },
      claimedAt: hoursFromNow(-5),
      leaseExpiresAt: hoursFromNow(-4),
    });
    await w.store.recordMarker(number, "failed", {
      kind: "run-result",
      attempt: earlier,
      outcome: "failure",
      reason: `earlier failure ${earlier}`,
      countsAsAttempt: true,
    });
  }
  await w.store.recordMarker(number, "claim", {
    kind: "claim",
    attempt,
    claimId: "now",
    claimedBy: { runId: String(RUNNER_RUN_ID) },
    claimedAt: hoursFromNow(options.leaseHours === undefined ? 0 : -3),
    leaseExpiresAt: hoursFromNow(options.leaseHours ?? 2),
    ...(await vettedText(w.store, number)),
  });
  await w.store.transition(number, { to: "running", expectedFrom: "queued", reason: "claimed" });
  return number;
}

/** The bundled runner, main step then post step; both must succeed whatever the receiver does. */
async function runGoal(
  goal: number,
  mode: string,
  inputs: Record<string, string>,
  options: { attempt?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ main: ActionRun; post: ActionRun }> {
  const all = w.runnerInputs(goal, mode, {
    attempt: String(options.attempt ?? 1),
    "max-attempts": "3",
    "notify-url": w.receiver.url,
    ...inputs,
  });
  const env = w.stepEnv(RUNNER_RUN_ID, options.env);
  const main = await runActionBundle(process.execPath, "run", all, env);
  const post = await runActionBundle(process.execPath, "run", all, env, { state: main.state });
  assert.equal(post.code, 0, post.stdout + post.stderr);
  return { main, post };
}

function runDispatch(inputs: Record<string, string>): Promise<ActionRun> {
  return w.dispatch(
    { max: "1", "max-attempts": "3", "notify-url": w.receiver.url, ...inputs },
    { runId: DISPATCH_RUN_ID },
  );
}

async function stateOf(number: number) {
  return (await w.store.getGoal(number)).state;
}

/**
 * The receiver's URL, or its secret topic, appears nowhere a person or a marker could read;
 * the first run (the one that sent) masked it. A post step never reads it.
 */
async function assertUrlKept(url: string, ...runs: ActionRun[]) {
  const topic = new URL(url).pathname.slice(1);
  for (const run of runs) {
    for (const [where, text] of [
      ["stdout", shownLog(run.stdout)],
      ["stderr", run.stderr],
      ["summary", run.summary],
      ["outputs", JSON.stringify(run.outputs)],
      ["state", JSON.stringify(run.state)],
    ] as const) {
      assert.ok(!text.includes(topic), `the notify URL appears in ${where}:\n${text}`);
    }
  }
  assert.ok(runs[0]?.stdout.includes(`::add-mask::${url}`), "the URL is masked");
  const issues = await w.client.paginate(w.client.rest.issues.listForRepo, {
    owner,
    repo,
    state: "all",
  });
  for (const issue of issues) {
    assert.ok(!(issue.body ?? "").includes(topic), `the notify URL is in #${issue.number}`);
    const comments = await w.client.paginate(w.client.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issue.number,
    });
    for (const comment of comments)
      assert.ok(!(comment.body ?? "").includes(topic), `the notify URL is in a comment`);
  }
}

const warnings = (run: ActionRun) =>
  run.stdout.split("\n").filter((line) => line.startsWith("::warning::"));

describe("notifications from the runner action", () => {
  it("a goal out of attempts: one ntfy POST, after the move to goal:stuck, with the last failure", async () => {
    const number = await claimedGoal("Add CSV export", { attempt: 3 });
    const { main, post } = await runGoal(number, "fail", {}, { attempt: 3 });
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(await stateOf(number), "stuck");
    assert.equal(w.receiver.received.length, 1, JSON.stringify(w.receiver.received));
    const [sent] = w.receiver.received;
    assert.equal(sent?.method, "POST");
    assert.equal(sent?.path, `/${w.receiver.topic}`);
    assert.equal(sent?.headers.title, `Stuck: ${owner}/${repo}#${number}`);
    assert.equal(sent?.headers.tags, "warning");
    assert.equal(sent?.headers.priority, "4");
    assert.equal(sent?.headers.click, (await w.store.getGoal(number)).url);
    assert.match(sent?.headers["content-type"] ?? "", /^text\/plain/);
    assert.match(sent?.body ?? "", /^Add CSV export\nLast failure: .*exit/);
    assert.match(main.stdout, /sent notification "Stuck: acme\/widgets#\d+"/);
    await assertUrlKept(w.receiver.url, main, post);
  });

  it("a goal for spot-check: the reasons and the pull request", async () => {
    const number = await claimedGoal("Touch the workflows");
    const { main } = await runGoal(number, "review", {});
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(await stateOf(number), "spot-check");
    assert.equal(w.receiver.received.length, 1);
    const [sent] = w.receiver.received;
    assert.equal(sent?.headers.title, `Spot-check: ${owner}/${repo}#${number}`);
    assert.equal(sent?.headers.tags, "eyes");
    assert.match(String(sent?.headers.click), /\/pull\/\d+$/);
    assert.match(sent?.body ?? "", /^Touch the workflows\nNeeds a human review: .*exit.* 3/);
  });

  it("a goal the post step settles from its pull request is notified by the post step", async () => {
    const number = await claimedGoal("Merging when killed");
    // The main step cannot record its result in the claim comment (as if it died there) after
    // enabling auto-merge.
    w.server.faults.add({ route: "issues/update-comment", status: 422, times: Infinity });
    const inputs = w.runnerInputs(number, "commit", {
      "notify-url": w.receiver.url,
      "notify-on": "done",
    });
    const env = w.stepEnv(RUNNER_RUN_ID);
    const main = await runActionBundle(process.execPath, "run", inputs, env);
    assert.notEqual(main.code, 0);
    assert.equal(w.receiver.received.length, 0, "the main step recorded nothing, so said nothing");
    w.server.faults.clear();
    const post = await runActionBundle(process.execPath, "run", inputs, env, { state: main.state });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.equal(await stateOf(number), "done");
    assert.equal(w.receiver.received.length, 1);
    assert.equal(w.receiver.received[0]?.headers.title, `Done: ${owner}/${repo}#${number}`);
    await assertUrlKept(w.receiver.url, main, post);
  });

  it("a spot-check whose label did not land: the post step completes it and links the pull request", async () => {
    const number = await claimedGoal("Review me later");
    w.server.faults.add({ route: "issues/set-labels", status: 422, times: Infinity });
    const inputs = w.runnerInputs(number, "review", { "notify-url": w.receiver.url });
    const env = w.stepEnv(RUNNER_RUN_ID);
    const main = await runActionBundle(process.execPath, "run", inputs, env);
    assert.notEqual(main.code, 0);
    assert.equal(w.receiver.received.length, 0);
    w.server.faults.clear();
    const post = await runActionBundle(process.execPath, "run", inputs, env, { state: main.state });
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.equal(await stateOf(number), "spot-check");
    assert.equal(w.receiver.received.length, 1);
    assert.match(String(w.receiver.received[0]?.headers.click), /\/pull\/\d+$/);
  });

  it("notify-format json and notify-on done: a goal done arrives as one JSON object", async () => {
    const number = await claimedGoal("Ship it");
    const { main } = await runGoal(number, "commit", {
      "notify-format": "json",
      "notify-on": "done",
    });
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(await stateOf(number), "done");
    assert.equal(w.receiver.received.length, 1);
    const [sent] = w.receiver.received;
    assert.equal(sent?.headers["content-type"], "application/json");
    assert.equal(sent?.headers.title, undefined, "no ntfy headers");
    const body = JSON.parse(sent?.body ?? "");
    assert.equal(body.event, "done");
    assert.equal(body.title, `Done: ${owner}/${repo}#${number}`);
    assert.equal(body.priority, 2);
    assert.match(body.click, /\/pull\/\d+$/);
    assert.match(body.body, /^Ship it\n/);
  });

  it("without notify-on done, a goal done sends nothing", async () => {
    const number = await claimedGoal("Quietly");
    const { main } = await runGoal(number, "commit", {});
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(await stateOf(number), "done");
    assert.equal(w.receiver.received.length, 0);
  });

  it("a receiver that is down: retried, then a warning; the goal still moves and the step passes", async () => {
    const url = await downUrl();
    const number = await claimedGoal("Nobody listens", { attempt: 3 });
    const { main, post } = await runGoal(number, "fail", { "notify-url": url }, { attempt: 3 });
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(await stateOf(number), "stuck");
    const [warning, ...more] = warnings(main);
    assert.match(warning ?? "", /notification "Stuck: .*" was not sent \(connection refused\)/);
    assert.deepEqual(more, []);
    await assertUrlKept(url, main, post);
  });

  it("a slow receiver: each try times out, then a warning; nothing else changes", async () => {
    w.receiver.answer = "hang";
    const number = await claimedGoal("Slow phone", { spotCheck: false });
    const { main } = await runGoal(
      number,
      "review",
      {},
      { env: { GOAL_ORCHESTRATOR_NOTIFY_TIMEOUT_MS: "200" } },
    );
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(await stateOf(number), "spot-check");
    assert.equal(w.receiver.received.length, 3, "three tries");
    assert.match(warnings(main)[0] ?? "", /was not sent \(no answer within 0\.2 s\)/);
  });

  it("a receiver answering 4xx: one try, a warning, no retry", async () => {
    w.receiver.answer = 403;
    const number = await claimedGoal("Forbidden topic", { attempt: 3 });
    const { main, post } = await runGoal(number, "fail", {}, { attempt: 3 });
    assert.equal(main.code, 0, main.stdout + main.stderr);
    assert.equal(await stateOf(number), "stuck");
    assert.equal(w.receiver.received.length, 1, "a 4xx is not tried again");
    assert.match(warnings(main)[0] ?? "", /was not sent \(the receiver answered 403\)/);
    await assertUrlKept(w.receiver.url, main, post);
  });

  it("a bad notify-format or notify-on fails the step up front, naming the input", async () => {
    const number = await claimedGoal("Typo");
    const { main } = await runGoal(number, "commit", {
      "notify-format": "xml",
      "notify-on": "always",
    });
    assert.equal(main.code, 1);
    assert.match(main.stdout, /notify-format: "xml" is not one of ntfy, json/);
    assert.match(main.stdout, /notify-on: "always" is not one of done, or off/);
    assert.equal(w.receiver.received.length, 0);
  });
});

describe("notifications from the dispatcher action", () => {
  it("a lost last attempt made stuck by reconciling: one notification", async () => {
    const number = await claimedGoal("Lost runner", { attempt: 3, leaseHours: -1 });
    const result = await runDispatch({});
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(await stateOf(number), "stuck");
    assert.equal(w.receiver.received.length, 1);
    const [sent] = w.receiver.received;
    assert.equal(sent?.headers.title, `Stuck: ${owner}/${repo}#${number}`);
    assert.match(sent?.body ?? "", /^Lost runner\nLast failure: /);
    await assertUrlKept(w.receiver.url, result);
  });

  it("the day's budget reached: a notification linking the dispatch run", async () => {
    await doneToday(w.store, 5);
    await createGoal(w.store, { title: "waiting", body: GOAL_BODY, queue: true, spotCheck: false });
    const result = await runDispatch({ budget: "5usd/day", "notify-format": "json" });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(w.receiver.received.length, 1);
    const body = JSON.parse(w.receiver.received[0]?.body ?? "");
    assert.equal(body.event, "budget");
    assert.equal(body.title, `Budget reached: ${owner}/${repo}`);
    assert.match(body.body, /reached the budget of \$5\.00\/day/);
    assert.equal(body.click, `https://github.com/${owner}/${repo}/actions/runs/${DISPATCH_RUN_ID}`);

    // Once a day: the next cycles of the day hold claims back without saying it again.
    for (let cycle = 0; cycle < 2; cycle++) {
      const again = await runDispatch({ budget: "5usd/day", "notify-format": "json" });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /reached the budget/);
    }
    assert.equal(w.receiver.received.length, 1, "told once, not every cycle");
  });

  it("a failed cycle: the step fails as before, and a notification says why", async () => {
    const result = await runDispatch({ token: "not-a-valid-token" });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.equal(w.receiver.received.length, 1);
    const [sent] = w.receiver.received;
    assert.equal(sent?.headers.title, `Dispatch cycle failed: ${owner}/${repo}`);
    assert.equal(sent?.headers.priority, "4");
    assert.equal(
      sent?.headers.click,
      `https://github.com/${owner}/${repo}/actions/runs/${DISPATCH_RUN_ID}`,
    );
    await assertUrlKept(w.receiver.url, result);
  });

  it("a failed cycle with the receiver down: the cycle's own error is what fails the step", async () => {
    const url = await downUrl();
    const result = await runDispatch({ token: "not-a-valid-token", "notify-url": url });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /::error::/);
    assert.match(warnings(result)[0] ?? "", /"Dispatch cycle failed: .*" was not sent/);
    await assertUrlKept(url, result);
  });
});
