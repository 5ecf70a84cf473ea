import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { afterEach, beforeEach, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  describeLock,
  type LockText,
  lockGeneration,
  lockLabelName,
  readDescription,
} from "../../src/core/dispatch-lock.js";
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
// gh.close() checks the server's contract (assertNoViolations).
afterEach(() => gh.close());

const HOLDER = fileURLToPath(new URL("./fixtures/hold-dispatch-lock.ts", import.meta.url));
const POLL_MS = 10;
const TICKET_MS = 60_000;
const where = { owner: "acme", repo: "widgets" };

const lock = (options: DispatchLockOptions = {}) =>
  new GitHubDispatchLock(gh.client, gh.repo, {
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

/** The lock labels on the server, by generation, with what their descriptions say. */
async function lockLabels(): Promise<({ generation: number } & LockText)[]> {
  const labels = await gh.client.paginate(gh.client.rest.issues.listLabelsForRepo, {
    ...where,
    per_page: 100,
  });
  return labels
    .flatMap((label) => {
      const generation = lockGeneration(label.name);
      return generation === null ? [] : [{ generation, ...readDescription(label.description) }];
    })
    .sort((a, b) => a.generation - b.generation);
}

/** The generations on the server and whether each is held or free. */
async function lockStates(): Promise<string[]> {
  return (await lockLabels()).map(
    (label) => `${label.generation} ${label.lock?.state ?? "unreadable"}`,
  );
}

/** A lock label written as another dispatcher would, straight into the server's state. */
function seedLabel(generation: number, description: string) {
  gh.server.state.createLabel(gh.server.state.requireRepo("acme", "widgets"), {
    name: lockLabelName(generation),
    description,
  });
}

const heldByOther = (expiresInMs: number) =>
  describeLock({
    lock: {
      state: "held",
      ticketId: "0ther0ther00",
      expiresAt: new Date(clock.now() + expiresInMs).toISOString(),
    },
    budgetTold: null,
  });

it("a waiter takes the lock at its first look after the holder releases it; old generations go", async () => {
  const first = await lock().acquire(0);
  assert.ok(first);
  assert.deepEqual(await lockStates(), ["1 held"], "a fresh repository's first generation");
  const order: string[] = [];
  const second = lock()
    .acquire(5)
    .then(async (lease) => {
      order.push("second");
      await lease?.release();
    });
  await looks(second, 3, "the second dispatcher waits while the first holds the lock");
  order.push("first releases");
  await first.release();
  assert.deepEqual(await lockStates(), ["1 free"], "released, not deleted");
  await clock.advance(POLL_MS);
  await settled(second, "the second dispatcher takes the lock at its next look");
  assert.deepEqual(order, ["first releases", "second"]);
  assert.deepEqual(await lockStates(), ["2 free"], "the new holder deleted the old generation");
});

it("a dispatcher that freed generation n creates n+1 before listing; a stale guess costs no more than a stale read", async () => {
  const dispatcher = lock();
  const first = await dispatcher.acquire(0);
  assert.ok(first);
  await first.release();
  gh.server.resetRequests();
  const again = await dispatcher.acquire(0);
  assert.ok(again);
  await again.release();
  assert.deepEqual(
    gh.server.requests.map((request) => request.operationId),
    [
      "issues/create-label",
      "issues/list-labels-for-repo",
      "issues/delete-label",
      "issues/update-label",
    ],
    "create, confirm by one listing, delete generation 1 while holding, free on release",
  );
  assert.deepEqual(await lockStates(), ["2 free"]);

  const other = await lock().acquire(0);
  assert.ok(other);
  await other.release();
  const afterOther = await dispatcher.acquire(0);
  assert.ok(afterOther, "its guess (3) was taken: a 422, then the listing shows 3 free");
  await afterOther.release();
  assert.deepEqual(await lockStates(), ["4 free"]);

  const holder = await lock().acquire(0);
  assert.ok(holder);
  assert.equal(
    await dispatcher.acquire(0),
    null,
    "its guess (5) is held by another: it waits like anyone and gives up",
  );
  assert.deepEqual(await lockStates(), ["5 held"]);
  await holder.release();
});

it("gives up after the wait, leaving no label of its own", async () => {
  const held = await lock().acquire(0);
  assert.ok(held);
  const impatient = lock().acquire(0.2);
  await stillWaiting(impatient, "it waits");
  await clock.advance(200 - POLL_MS);
  await stillWaiting(impatient, "it waits the whole 0.2 s");
  // Its next look is at the deadline.
  await clock.advance(POLL_MS);
  assert.equal(await settled(impatient, "it gives up at the deadline"), null);
  assert.deepEqual(await lockStates(), ["1 held"], "only the holder's label");
  await held.release();
});

it("takes the lock from a holder killed with SIGKILL once its ticket's short life is over", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER], {
    env: { ...gh.env, LOCK_CLOCK_MS: String(clock.now()) },
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
    const next = lock().acquire(600);
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
    assert.deepEqual(await lockStates(), ["2 free"], "the dead holder's generation was deleted");
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
});

it("a holder that outlives its ticket's life keeps the lock by renewing it", async () => {
  const held = await lock().acquire(0);
  assert.ok(held);
  const waiter = lock().acquire(600);
  await stillWaiting(waiter, "the waiter waits for the holder");
  // Two ticket lives, a third of one at a time: each step renews, then the waiter looks.
  for (let step = 0; step < 6; step++) {
    await clock.advance(TICKET_MS / 3);
    const [label] = await lockLabels();
    assert.equal(label?.lock?.state, "held");
    assert.equal(
      label?.lock?.state === "held" ? label.lock.expiresAt : "",
      new Date(clock.now() + TICKET_MS).toISOString(),
      "renewed",
    );
    await stillWaiting(waiter, "the waiter does not get a renewed lock");
  }
  assert.equal(held.lost(), false);
  await held.release();
  await clock.advance(POLL_MS);
  const lease = await settled(waiter, "the waiter takes the lock at its next look");
  assert.ok(lease);
  await lease.release();
  assert.deepEqual(await lockStates(), ["2 free"]);
});

it("survives failing renewals; a holder that could not renew in time knows it may have lost the lock", async () => {
  const warnings: string[] = [];
  const held = await lock({ warn: (message) => warnings.push(message) }).acquire(0);
  assert.ok(held);
  gh.server.faults.add({ route: "issues/update-label", status: 500, times: Infinity });
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
  const early = lock().acquire(0);
  assert.equal(await early, null, "the ticket counts until its life is over");
  await clock.advance(TICKET_MS / 3);
  const next = await lock().acquire(0);
  assert.ok(next, "the unrenewed ticket expired: the next dispatcher took the lock");
  gh.server.faults.clear();
  await held.release();
  assert.equal(held.lost(), true, "a lost lease stays lost");
  assert.deepEqual(await lockStates(), ["2 held"], "the old holder's release frees nothing");
  await next.release();
  assert.deepEqual(await lockStates(), ["2 free"]);
});

it("a holder whose label was deleted by hand, or outdone by a newer generation, knows at its next renewal", async () => {
  const deleted = await lock().acquire(0);
  assert.ok(deleted);
  await gh.client.rest.issues.deleteLabel({ ...where, name: lockLabelName(1) });
  await clock.advance(TICKET_MS / 3);
  assert.equal(deleted.lost(), true, "its label is gone");
  await deleted.release();
  assert.deepEqual(await lockStates(), [], "release does not bring the label back");

  const outdone = await lock().acquire(0);
  assert.ok(outdone);
  // Someone whose clock runs far ahead took the lock as expired.
  seedLabel(2, heldByOther(TICKET_MS));
  await clock.advance(TICKET_MS / 3);
  assert.equal(outdone.lost(), true, "a newer generation exists");
  await outdone.release();
  assert.deepEqual(await lockStates(), ["1 free", "2 held"]);
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
        acquire: async (wait) => {
          const lease = await real.acquire(wait);
          gh.server.faults.add({ route: "issues/update-label", status: 500, times: Infinity });
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
  const { data } = await gh.client.rest.issues.get({ ...where, issue_number: goal.number });
  assert.ok(
    data.labels.some((label) => (typeof label === "string" ? label : label.name) === "goal:queued"),
  );
  assert.deepEqual(await lockStates(), ["1 free"], "released all the same");
});

it("racing dispatchers on a fresh repository: one holder at a time, one label left", async () => {
  let holding = 0;
  let most = 0;
  const dispatcher = async (name: string) => {
    const lease = await lock().acquire(30);
    assert.ok(lease, `${name} got the lock`);
    holding += 1;
    most = Math.max(most, holding);
    await clock.sleep(2 * POLL_MS);
    holding -= 1;
    await lease.release();
  };
  await race(["d1", "d2", "d3", "d4", "d5"].map(dispatcher));
  assert.equal(most, 1, "one holder at a time");
  assert.deepEqual(await lockStates(), ["5 free"], "five generations, the older ones deleted");
});

it("racing acquirers on a fresh repository: exactly one holds, the others wait it out", async () => {
  const leases = await Promise.all([1, 2, 3, 4].map(() => lock().acquire(0)));
  assert.equal(leases.filter(Boolean).length, 1, "exactly one holder");
  assert.deepEqual(await lockStates(), ["1 held"]);
  await Promise.all(leases.map((lease) => lease?.release()));
});

it("a dispatcher slowed down between its read and its create does not hold a re-created generation", async () => {
  seedLabel(
    3,
    describeLock({ lock: { state: "free", since: "2026-11-25T11:00:00Z" }, budgetTold: null }),
  );
  // While our dispatcher is between its read (generation 3, free) and its create of 4, others
  // took generations 4 to 7 and deleted 3 and 4: its create of 4 succeeds.
  gh.server.faults.hook({
    route: "issues/create-label",
    at: "before",
    times: 1,
    run: () => {
      const repo = gh.server.state.requireRepo("acme", "widgets");
      const old = gh.server.state.findLabel(repo, lockLabelName(3));
      if (old) gh.server.state.deleteLabel(repo, old);
      seedLabel(7, heldByOther(TICKET_MS));
    },
  });
  const slow = await lock().acquire(0);
  assert.equal(slow, null, "its create succeeded, but a newer generation holds the lock");
  assert.deepEqual(await lockStates(), ["7 held"], "and it deleted its stray generation 4");
});

it("recognises its own label when the answer to its create was lost", async () => {
  gh.server.faults.add({ route: "issues/create-label", applyThenFail: true, times: 1 });
  const lease = lock().acquire(30);
  await race([lease]);
  const held = await lease;
  assert.ok(held, "the retried create answered 422, yet the label is ours");
  assert.deepEqual(await lockStates(), ["1 held"]);
  await held.release();
});

it("tells the budget once per UTC day, carried from generation to generation", async () => {
  const first = await lock().acquire(0);
  assert.ok(first);
  assert.equal(await first.firstBudgetNotice("2026-11-25"), true, "the day's first");
  assert.equal(await first.firstBudgetNotice("2026-11-25"), false, "said already");
  await first.release();
  const second = await lock().acquire(0);
  assert.ok(second);
  assert.deepEqual(
    (await lockLabels())
      .filter((label) => label.generation === 2)
      .map((label) => [label.generation, label.budgetTold]),
    [[2, "2026-11-25"]],
  );
  assert.equal(await second.firstBudgetNotice("2026-11-25"), false, "a later cycle that day");
  assert.equal(await second.firstBudgetNotice("2026-11-26"), true, "the next day");
  await second.release();
  assert.deepEqual(
    (await lockLabels()).map((label) => [label.generation, label.lock?.state, label.budgetTold]),
    [[2, "free", "2026-11-26"]],
  );
});

it("creates no content: taking, renewing, waiting, noting the budget and releasing", async () => {
  gh.server.resetRequests();
  const first = await lock().acquire(0);
  assert.ok(first);
  const second = lock().acquire(600);
  await looks(second, 2, "waits");
  await clock.advance(TICKET_MS / 3);
  await first.firstBudgetNotice("2026-11-25");
  await first.release();
  await clock.advance(POLL_MS);
  const lease = await settled(second, "takes over");
  assert.ok(lease);
  await lease.release();
  const creating = gh.server.requests.filter((request) => request.contentCreating);
  assert.deepEqual(creating, [], "no content-creating request");
  assert.equal(gh.server.usage().contentCreating, 0);
  const operations = new Set(gh.server.requests.map((request) => request.operationId));
  assert.deepEqual([...operations].sort(), [
    "graphql",
    "issues/create-label",
    "issues/delete-label",
    "issues/list-labels-for-repo",
    "issues/update-label",
  ]);
});

it("waiting in a repository with many labels looks at two labels by name, without listing them all", async () => {
  const repo = gh.server.state.requireRepo("acme", "widgets");
  for (let n = 0; n < 250; n++) gh.server.state.createLabel(repo, { name: `area ${n}` });
  const held = await lock().acquire(0);
  assert.ok(held);
  gh.server.resetRequests();
  const waiter = lock().acquire(600);
  await looks(waiter, 5, "waits");
  const listings = gh.server.requests.filter(
    (request) => request.operationId === "issues/list-labels-for-repo",
  );
  assert.equal(listings.length, 3, "one listing (three pages) when it starts, none per look");
  assert.equal(
    gh.server.requests.filter((request) => request.operationId === "graphql").length,
    5,
    "one look per poll",
  );
  await held.release();
  await clock.advance(POLL_MS);
  const lease = await settled(waiter, "takes over");
  await lease?.release();
});
