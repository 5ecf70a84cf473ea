import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { encodeTicket, LOCK_LABEL } from "../../src/core/dispatch-lock.js";
import { GitHubDispatchLock } from "../../src/github/dispatch-lock.js";
import { type GitHubFixture, startGitHubFixture } from "../helpers/github-fixture.js";

let gh: GitHubFixture;
beforeEach(async () => {
  gh = await startGitHubFixture();
});
afterEach(async () => {
  gh.server.assertNoViolations();
  await gh.close();
});

const lock = (options: { ticketSeconds?: number } = {}) =>
  new GitHubDispatchLock(gh.client, gh.repo, gh.store.trustedAuthors, { pollMs: 10, ...options });

async function lockComments() {
  const { data } = await gh.client.rest.issues.listForRepo({
    owner: "acme",
    repo: "widgets",
    labels: LOCK_LABEL,
    state: "all",
  });
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

it("ignores an expired ticket of a dead dispatcher and deletes it", async () => {
  const dead = await lock({ ticketSeconds: 0.05 }).acquire("dead", 5);
  assert.ok(dead);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const next = await lock().acquire("next", 2);
  assert.ok(next);
  await next.release();
  assert.deepEqual(await lockComments(), []);
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
