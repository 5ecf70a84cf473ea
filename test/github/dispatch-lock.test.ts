import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { afterEach, beforeEach, it } from "node:test";
import { fileURLToPath } from "node:url";
import { decodeTicket, encodeTicket, LOCK_LABEL } from "../../src/core/dispatch-lock.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { dispatch } from "../../src/flows/dispatch.js";
import { GitHubActionsApi } from "../../src/github/actions-api.js";
import { type DispatchLockOptions, GitHubDispatchLock } from "../../src/github/dispatch-lock.js";
import { GitHubPullRequests } from "../../src/github/pull-requests.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";

let gh: GitHubFixture;
beforeEach(async () => {
  gh = await startGitHubFixture();
});
afterEach(async () => {
  gh.server.assertNoViolations();
  await gh.close();
});

const HOLDER = fileURLToPath(new URL("./fixtures/hold-dispatch-lock.ts", import.meta.url));

const lock = (options: DispatchLockOptions = {}) =>
  new GitHubDispatchLock(gh.client, gh.repo, gh.store.trustedAuthors, {
    pollMs: 10,
    warn: () => {},
    ...options,
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lock's clock for tests: real time, moved forward by `advance`. */
function testClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>) {
  while (!(await condition())) await sleep(5);
}

/** Waits until waiting dispatchers have read the lock issue `count` more times. */
async function looks(count: number) {
  const reads = () =>
    gh.server.requests.filter((request) => request.operationId === "issues/list-comments").length;
  const target = reads() + count;
  await until(() => reads() >= target);
}

async function lockIssues(state: "open" | "all") {
  const { data } = await gh.client.rest.issues.listForRepo({
    owner: "acme",
    repo: "widgets",
    labels: LOCK_LABEL,
    state,
  });
  return data.sort((a, b) => a.number - b.number);
}

async function lockComments() {
  const data = await lockIssues("all");
  assert.equal(data.length, 1, "one lock issue");
  const comments = await gh.client.rest.issues.listComments({
    owner: "acme",
    repo: "widgets",
    issue_number: data[0]?.number ?? 0,
  });
  return comments.data;
}

it("serves waiters in turn and cleans up after itself", async () => {
  const first = await lock().acquire("first", 5);
  assert.ok(first);
  const order: string[] = [];
  const second = lock()
    .acquire("second", 5)
    .then(async (lease) => {
      order.push("second");
      await lease?.release();
    });
  await new Promise((resolve) => setTimeout(resolve, 200));
  order.push("first releases");
  await first.release();
  await second;
  assert.deepEqual(order, ["first releases", "second"]);
  assert.deepEqual(await lockComments(), [], "no ticket left behind");
});

it("gives up after the wait, leaving no ticket", async () => {
  const held = await lock().acquire("holder", 5);
  assert.ok(held);
  assert.equal(await lock().acquire("impatient", 0.2), null);
  assert.equal((await lockComments()).length, 1, "only the holder's ticket");
  await held.release();
});

it("takes the lock from a holder killed with SIGKILL once its ticket's short life is over", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER], {
    env: { ...gh.env, LOCK_HOLDER_LOGIN: "maintainer" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.on("close", resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("held")) resolve();
      });
      child.on("close", (code) => reject(new Error(`the holder exited (${code}) before holding`)));
    });
    const clock = testClock();
    let taken = false;
    const next = lock({ now: clock.now })
      .acquire("next", 600)
      .then((lease) => {
        taken = true;
        return lease;
      });
    await looks(3);
    assert.equal(taken, false, "a live holder keeps the lock");
    child.kill("SIGKILL");
    await exited;
    clock.advance(30_000);
    await looks(3);
    assert.equal(taken, false, "the dead holder's ticket counts until its life is over");
    clock.advance(31_000);
    const lease = await next;
    assert.ok(lease, "a minute after the holder died, the next dispatcher has the lock");
    assert.equal(lease.lost(), false);
    await lease.release();
    assert.deepEqual(await lockComments(), [], "the dead ticket was deleted");
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
});

it("a holder that outlives its ticket's life keeps the lock by renewing it", async () => {
  const clock = testClock();
  const held = await lock({ now: clock.now, renewMs: 10 }).acquire("holder", 5);
  assert.ok(held);
  let taken = false;
  const waiter = lock({ now: clock.now, renewMs: 10 })
    .acquire("waiter", 600)
    .then((lease) => {
      taken = true;
      return lease;
    });
  // Two ticket lives, a third of one at a time, each step waiting for a renewal.
  for (let step = 0; step < 6; step++) {
    clock.advance(20_000);
    const renewedTo = clock.now().getTime() + 60_000;
    await until(async () => {
      const ticket = (await lockComments())
        .map((comment) => decodeTicket(comment.body ?? ""))
        .find((found) => found?.holder === "holder");
      return ticket !== undefined && Date.parse(ticket?.expiresAt ?? "") >= renewedTo;
    });
    await looks(2);
    assert.equal(taken, false, "the waiter does not get a renewed lock");
  }
  assert.equal(held.lost(), false);
  await held.release();
  const lease = await waiter;
  assert.ok(lease);
  await lease.release();
  assert.deepEqual(await lockComments(), []);
});

it("survives failing renewals; a holder that could not renew in time knows it may have lost the lock", async () => {
  const clock = testClock();
  const warnings: string[] = [];
  const held = await lock({
    now: clock.now,
    renewMs: 10,
    warn: (message) => warnings.push(message),
  }).acquire("holder", 5);
  assert.ok(held);
  gh.server.faults.add({ route: "issues/update-comment", status: 500, times: Infinity });
  await until(() => warnings.some((warning) => warning.includes("Could not renew")));
  assert.equal(held.lost(), false, "the ticket still has most of its life");
  clock.advance(41_000);
  assert.equal(held.lost(), true, "less than a third of the life is left");
  assert.match(warnings.at(-1) ?? "", /may have lost the dispatch lock/);
  clock.advance(20_000);
  const next = await lock({ now: clock.now }).acquire("next", 5);
  assert.ok(next, "the unrenewed ticket expired: the next dispatcher took the lock");
  gh.server.faults.clear();
  await held.release();
  assert.equal(held.lost(), true, "a lost lease stays lost");
  await next.release();
  assert.deepEqual(await lockComments(), []);
});

it("a dispatch cycle whose lock is in doubt claims nothing more", async () => {
  const goal = await createGoal(gh.store, {
    title: "Export CSV",
    body: GOAL_BODY,
    queue: true,
    spotCheck: false,
  });
  const clock = testClock();
  const real = lock({ now: clock.now });
  const notes: string[] = [];
  const report = await dispatch(
    {
      store: gh.store,
      actions: new GitHubActionsApi(gh.client, gh.repo),
      pulls: new GitHubPullRequests(gh.client, gh.repo),
      // Taken, then 41 s without a renewal (the timer's first tick is 20 s away).
      lock: {
        acquire: async (holder, wait) => {
          const lease = await real.acquire(holder, wait);
          clock.advance(41_000);
          return lease;
        },
      },
      claimant: { runId: "1" },
      log: (line) => notes.push(line),
    },
    {
      max: 2,
      maxAttempts: 3,
      durationSeconds: 3600,
      goal: null,
      dryRun: false,
      runnerLabels: [],
      checkRunners: false,
      budget: null,
    },
  );
  assert.deepEqual(report.claimed, []);
  assert.ok(report.notes.some((note) => note.includes("may have lost the dispatch lock")));
  const { data } = await gh.client.rest.issues.get({
    owner: "acme",
    repo: "widgets",
    issue_number: goal.number,
  });
  assert.ok(
    data.labels.some((label) => (typeof label === "string" ? label : label.name) === "goal:queued"),
  );
  assert.deepEqual(await lockComments(), [], "released all the same");
});

it("racing dispatchers on a repository without a lock issue create one and take turns", async () => {
  let holding = 0;
  let most = 0;
  const dispatcher = async (name: string) => {
    const lease = await lock().acquire(name, 30);
    assert.ok(lease, `${name} got the lock`);
    holding += 1;
    most = Math.max(most, holding);
    await sleep(20);
    holding -= 1;
    await lease.release();
  };
  await Promise.all(["d1", "d2", "d3", "d4", "d5"].map(dispatcher));
  assert.equal(most, 1, "one holder at a time");
  const all = await lockIssues("all");
  assert.equal(all.length, 1, "only the dispatcher that created the label created the issue");
  assert.equal(all[0]?.state, "open");
});

it("when the lock label exists without an issue, racing creators keep only the oldest open", async () => {
  await gh.client.rest.issues.createLabel({ owner: "acme", repo: "widgets", name: LOCK_LABEL });
  let holding = 0;
  let most = 0;
  const dispatcher = async (name: string) => {
    const lease = await lock({ creationWaitMs: 0 }).acquire(name, 30);
    assert.ok(lease, `${name} got the lock`);
    holding += 1;
    most = Math.max(most, holding);
    await sleep(20);
    holding -= 1;
    await lease.release();
  };
  await Promise.all(["d1", "d2", "d3", "d4", "d5"].map(dispatcher));
  assert.equal(most, 1, "one holder at a time");
  const open = await lockIssues("open");
  assert.equal(open.length, 1, "one lock issue stays open");
  const all = await lockIssues("all");
  assert.equal(open[0]?.number, Math.min(...all.map((issue) => issue.number)), "the oldest");
  for (const extra of all.filter((issue) => issue.state === "closed")) {
    assert.equal(extra.state_reason, "not_planned");
  }
});

it("reopens a lock issue closed by hand instead of making another", async () => {
  const first = await lock().acquire("first", 5);
  await first?.release();
  const [issue] = await lockIssues("open");
  assert.ok(issue);
  await gh.client.rest.issues.update({
    owner: "acme",
    repo: "widgets",
    issue_number: issue.number,
    state: "closed",
  });
  const again = await lock().acquire("again", 5);
  assert.ok(again);
  await again.release();
  const all = await lockIssues("all");
  assert.deepEqual(
    all.map((found) => [found.number, found.state]),
    [[issue.number, "open"]],
  );
});

it("does not let a forged ticket from an untrusted account hold the lock", async () => {
  const first = await lock().acquire("first", 5);
  await first?.release();
  const { data } = await gh.client.rest.issues.listForRepo({
    owner: "acme",
    repo: "widgets",
    labels: LOCK_LABEL,
  });
  const mallory = await gh.as("mallory");
  const forged = encodeTicket({
    ticketId: "forged",
    holder: "mallory",
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  await mallory.client.rest.issues.createComment({
    owner: "acme",
    repo: "widgets",
    issue_number: data[0]?.number ?? 0,
    body: forged,
  });
  const lease = await lock().acquire("honest", 1);
  assert.ok(lease, "the forged ticket is ignored");
  await lease.release();
});
