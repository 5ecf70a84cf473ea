import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_TICKET_SECONDS,
  describeLock,
  type LockView,
  lockGeneration,
  lockLabelName,
  lockLabels,
  MAX_DESCRIPTION_LENGTH,
  nextStep,
  readDescription,
  ticketExpiry,
  ticketInDoubt,
} from "../../src/core/dispatch-lock.js";

const now = new Date("2026-11-25T12:00:00Z");
const later = "2026-11-25T12:00:30.000Z";
const earlier = "2026-11-25T11:59:30.000Z";
const held = (ticketId: string, expiresAt = later, budgetTold: string | null = null) =>
  describeLock({ lock: { state: "held", ticketId, expiresAt }, budgetTold });
const free = (budgetTold: string | null = null) =>
  describeLock({ lock: { state: "free", since: earlier }, budgetTold });
const view = (labels: [number, string | null][], complete = true): LockView => ({
  labels: labels.map(([generation, description]) => ({ generation, description })),
  complete,
});
const step = (v: LockView, ticketId = "mine") => nextStep(v, ticketId, now, 60);

describe("dispatch lock labels", () => {
  it("names generations, and reads back only its own names", () => {
    assert.equal(lockLabelName(12), "dispatch-lock:12");
    assert.equal(lockGeneration("dispatch-lock:12"), 12);
    assert.equal(lockGeneration("Dispatch-Lock:3"), 3, "label names compare case-insensitively");
    for (const other of [
      "dispatch-lock",
      "dispatch-lock:0",
      "dispatch-lock:01",
      "dispatch-lock:x",
      "goal:queued",
    ]) {
      assert.equal(lockGeneration(other), null, other);
    }
    assert.deepEqual(
      lockLabels([
        { name: "goal:queued", description: "x" },
        { name: "dispatch-lock:2", description: "d" },
        { name: "dispatch-lock:3" },
      ]),
      [
        { generation: 2, description: "d" },
        { generation: 3, description: null },
      ],
    );
  });

  it("round-trips descriptions within GitHub's 100 characters", () => {
    const longest = describeLock({
      lock: { state: "held", ticketId: "0123456789ab", expiresAt: "2026-11-25T12:01:00.000Z" },
      budgetTold: "2026-11-25",
    });
    assert.ok(longest.length <= MAX_DESCRIPTION_LENGTH, `${longest.length} characters`);
    assert.deepEqual(readDescription(longest), {
      lock: { state: "held", ticketId: "0123456789ab", expiresAt: "2026-11-25T12:01:00.000Z" },
      budgetTold: "2026-11-25",
    });
    assert.deepEqual(readDescription(free()), {
      lock: { state: "free", since: earlier },
      budgetTold: null,
    });
    assert.deepEqual(readDescription(held("a1", later)).budgetTold, null);
    assert.equal(readDescription(free("2026-11-24")).budgetTold, "2026-11-24");
    for (const other of [null, "", "made by hand", "Dispatch lock held by x until never"]) {
      assert.deepEqual(readDescription(other), { lock: null, budgetTold: null });
    }
  });

  it("tickets live a minute unless renewed", () => {
    assert.equal(DEFAULT_TICKET_SECONDS, 60);
    assert.equal(ticketExpiry(now, DEFAULT_TICKET_SECONDS), "2026-11-25T12:01:00.000Z");
  });

  it("a holder doubts its lock once less than a third of its last renewed ticket's life is left", () => {
    const expiresAt = "2026-11-25T12:01:00.000Z";
    assert.equal(ticketInDoubt(expiresAt, new Date("2026-11-25T12:00:39Z"), 60), false);
    assert.equal(ticketInDoubt(expiresAt, new Date("2026-11-25T12:00:40Z"), 60), true);
    assert.equal(ticketInDoubt(expiresAt, new Date("2026-11-25T12:05:00Z"), 60), true);
  });
});

describe("the next step", () => {
  it("takes generation 1 when a complete read finds no lock label, looks again otherwise", () => {
    assert.deepEqual(step(view([])), {
      kind: "take",
      generation: 1,
      budgetTold: null,
      abandoned: [],
    });
    assert.equal(step(view([], false)).kind, "look");
  });

  it("takes the next generation of a free, expired or unreadable top, carrying the budget day", () => {
    assert.deepEqual(step(view([[4, free("2026-11-24")]])), {
      kind: "take",
      generation: 5,
      budgetTold: "2026-11-24",
      abandoned: [],
    });
    const expired = step(view([[4, held("other", now.toISOString(), "2026-11-25")]]));
    assert.deepEqual(expired, {
      kind: "take",
      generation: 5,
      budgetTold: "2026-11-25",
      abandoned: [],
    });
    assert.equal(step(view([[7, "edited by hand"]])).kind, "take");
    // A partial look (two generations by name) is enough to take: the create is checked.
    assert.equal(step(view([[4, free()]], false)).kind, "take");
  });

  it("only the highest generation counts", () => {
    const found = step(
      view([
        [9, free()],
        [12, held("other")],
        [10, held("mine")],
      ]),
    );
    assert.deepEqual(found, {
      kind: "wait",
      generation: 12,
      expiresAt: later,
      abandoned: [10],
    });
  });

  it("waits on a live holder until its expiry, then takes over", () => {
    assert.equal(step(view([[3, held("other", later)]])).kind, "wait");
    const at = new Date(later);
    assert.equal(nextStep(view([[3, held("other", later)]]), "mine", at, 60).kind, "take");
  });

  it("holds its own top generation on a complete read only, and deletes the older ones", () => {
    const labels: [number, string | null][] = [
      [5, held("mine", "2026-11-25T12:01:00.000Z", "2026-11-24")],
      [4, free()],
      [2, free()],
    ];
    assert.deepEqual(step(view(labels)), {
      kind: "hold",
      generation: 5,
      expiresAt: "2026-11-25T12:01:00.000Z",
      budgetTold: "2026-11-24",
      older: [4, 2],
      abandoned: [],
    });
    assert.equal(step(view(labels, false)).kind, "look");
  });

  it("does not trust its own top generation once it is in doubt: it takes a fresh one", () => {
    const doubtful = held("mine", "2026-11-25T12:00:20.000Z");
    assert.deepEqual(step(view([[5, doubtful]])), {
      kind: "take",
      generation: 6,
      budgetTold: null,
      abandoned: [],
    });
  });
});
