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
import { ManualClock } from "../helpers/manual-clock.js";

let gh: GitHubFixture;
/** The clock of every lock in a test: it moves only when the test moves it. */
let clock: ManualClock;
beforeEach(async () => {
  gh = await startGitHubFixture();
  clock = new ManualClock();
});
afterEach(async () => {
  gh.server.assertNoViolations();
  await gh.close();
});

const HOLDER = fileURLToPath(new URL("./fixtures/hold-dispatch-lock.ts", import.meta.url));
const POLL_MS = 10;
const TICKET_MS = 60_000;

const lock = (options: DispatchLockOptions = {}) =>
  new GitHubDispatchLock(gh.client, gh.repo, gh.store.trustedAuthors, {
    pollMs: POLL_MS,
    clock,
    warn: () => {},
    ...options,
  });

/** Whether `promise` settles first, or the code under test stops to wait on the clock. */
async function settlesOrParks(promise: Promise<unknown>): Promise<"settled" | "parked"> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (;;) {
    // Let a settled promise's callbacks run before looking at the clock.
    await new Promise((resolve) => setImmediate(resolve));
    if (done) return "settled";
    if (clock.sleepers() > 0) return "parked";
  }
}

/** Fails unless the dispatcher behind `promise` looked and went on waiting. */
async function stillWaiting(promise: Promise<unknown>, message: string) {
  if ((await settlesOrParks(promise)) === "settled") assert.fail(message);
}

/** What `promise` comes to; fails if the dispatcher behind it goes on waiting instead. */
async function settled<T>(promise: Promise<T>, message: string): Promise<T> {
  if ((await settlesOrParks(promise)) === "parked") assert.fail(message);
  return promise;
}

/** Lets the waiting dispatcher behind `promise` take `count` more looks, failing if it stops waiting. */
async function looks(promise: Promise<unknown>, count: number, message: string) {
  await stillWaiting(promise, message);
  for (let look = 0; look < count; look++) {
    await clock.advance(POLL_MS);
    await stillWaiting(promise, message);
  }
}

/**
 * Runs racing dispatchers to their end. The clock moves (to the next timer) only when every
 * unfinished one waits on it, so their deadlines count polls, never the machine's speed.
 */
async function race(tasks: Promise<unknown>[]) {
  let unfinished = tasks.length;
  const ended = Promise.allSettled(
    tasks.map((task) =>
      task.finally(() => {
        unfinished -= 1;
      }),
    ),
  );
  let done = false;
  void ended.then(() => {
    done = true;
  });
  while (!done) {
    if (unfinished > 0 && clock.sleepers() === unfinished) await clock.next();
    else await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(tasks);
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
  const first = await lock().acquire("first", 0);
  assert.ok(first);
  const order: string[] = [];
  const second = lock()
    .acquire("second", 5)
    .then(async (lease) => {
      order.push("second");
      await lease?.release();
    });
  await looks(second, 3, "the second dispatcher waits while the first holds the lock");
  order.push("first releases");
  await first.release();
  await clock.advance(POLL_MS);
  await settled(second, "the second dispatcher takes the lock at its next look");
  assert.deepEqual(order, ["first releases", "second"]);
  assert.deepEqual(await lockComments(), [], "no ticket left behind");
});

it("gives up after the wait, leaving no ticket", async () => {
  const held = await lock().acquire("holder", 0);
  assert.ok(held);
  const impatient = lock().acquire("impatient", 0.2);
  await stillWaiting(impatient, "it waits");
  await clock.advance(200 - POLL_MS);
  await stillWaiting(impatient, "it waits the whole 0.2 s");
  // Its next look is at the deadline.
  await clock.advance(POLL_MS);
  assert.equal(await settled(impatient, "it gives up at the deadline"), null);
  assert.equal((await lockComments()).length, 1, "only the holder's ticket");
  await held.release();
});

it("takes the lock from a holder killed with SIGKILL once its ticket's short life is over", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER], {
    env: { ...gh.env, LOCK_HOLDER_LOGIN: "maintainer", LOCK_CLOCK_MS: String(clock.now()) },
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
    // The holder's ticket was written at the clock's start: it expires a ticket's life later.
    const expiresAt = clock.now() + TICKET_MS;
    const next = lock().acquire("next", 600);
    await looks(next, 3, "a live holder keeps the lock");
    child.kill("SIGKILL");
    await exited;
    // A look one poll before the ticket's life is over, then one at its end.
    await clock.advance(expiresAt - POLL_MS - clock.now());
    await stillWaiting(next, "the dead holder's ticket counts until its life is over");
    await clock.advance(POLL_MS);
    const lease = await settled(next, "the next dispatcher looks once the ticket's life is over");
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
  const held = await lock().acquire("holder", 0);
  assert.ok(held);
  const waiter = lock().acquire("waiter", 600);
  await stillWaiting(waiter, "the waiter waits for the holder");
  // Two ticket lives, a third of one at a time: each step renews, then the waiter looks.
  for (let step = 0; step < 6; step++) {
    await clock.advance(TICKET_MS / 3);
    const ticket = (await lockComments())
      .map((comment) => decodeTicket(comment.body ?? ""))
      .find((found) => found?.holder === "holder");
    assert.equal(ticket?.expiresAt, new Date(clock.now() + TICKET_MS).toISOString(), "renewed");
    await stillWaiting(waiter, "the waiter does not get a renewed lock");
  }
  assert.equal(held.lost(), false);
  await held.release();
  await clock.advance(POLL_MS);
  const lease = await settled(waiter, "the waiter takes the lock at its next look");
  assert.ok(lease);
  await lease.release();
  assert.deepEqual(await lockComments(), []);
});

it("survives failing renewals; a holder that could not renew in time knows it may have lost the lock", async () => {
  const warnings: string[] = [];
  const held = await lock({ warn: (message) => warnings.push(message) }).acquire("holder", 0);
  assert.ok(held);
  gh.server.faults.add({ route: "issues/update-comment", status: 500, times: Infinity });
  await clock.advance(TICKET_MS / 3);
  assert.ok(
    warnings.some((warning) => warning.includes("Could not renew")),
    "the failed renewal is reported",
  );
  assert.equal(held.lost(), false, "the ticket still has most of its life");
  await clock.advance(TICKET_MS / 3 - 1);
  assert.equal(held.lost(), false, "a third of the life is left");
  await clock.advance(1);
  assert.equal(held.lost(), true, "less than a third of the life is left");
  assert.match(warnings.at(-1) ?? "", /may have lost the dispatch lock/);
  await clock.advance(TICKET_MS / 3);
  const next = await lock().acquire("next", 0);
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
  const real = lock();
  const notes: string[] = [];
  const report = await dispatch(
    {
      store: gh.store,
      actions: new GitHubActionsApi(gh.client, gh.repo),
      pulls: new GitHubPullRequests(gh.client, gh.repo),
      // Taken, then 41 s in which its renewal fails.
      lock: {
        acquire: async (holder, wait) => {
          const lease = await real.acquire(holder, wait);
          gh.server.faults.add({ route: "issues/update-comment", status: 500, times: Infinity });
          await clock.advance(41_000);
          gh.server.faults.clear();
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
    await clock.sleep(2 * POLL_MS);
    holding -= 1;
    await lease.release();
  };
  await race(["d1", "d2", "d3", "d4", "d5"].map(dispatcher));
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
    await clock.sleep(2 * POLL_MS);
    holding -= 1;
    await lease.release();
  };
  await race(["d1", "d2", "d3", "d4", "d5"].map(dispatcher));
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
  const first = await lock().acquire("first", 0);
  await first?.release();
  const [issue] = await lockIssues("open");
  assert.ok(issue);
  await gh.client.rest.issues.update({
    owner: "acme",
    repo: "widgets",
    issue_number: issue.number,
    state: "closed",
  });
  const again = await lock().acquire("again", 0);
  assert.ok(again);
  await again.release();
  const all = await lockIssues("all");
  assert.deepEqual(
    all.map((found) => [found.number, found.state]),
    [[issue.number, "open"]],
  );
});

it("does not let a forged ticket from an untrusted account hold the lock", async () => {
  const first = await lock().acquire("first", 0);
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
    expiresAt: new Date(clock.now() + 3_600_000).toISOString(),
  });
  await mallory.client.rest.issues.createComment({
    owner: "acme",
    repo: "widgets",
    issue_number: data[0]?.number ?? 0,
    body: forged,
  });
  const lease = await lock().acquire("honest", 0);
  assert.ok(lease, "the forged ticket is ignored");
  await lease.release();
});
