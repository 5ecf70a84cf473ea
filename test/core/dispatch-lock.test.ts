import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeTicket, encodeTicket, readLock } from "../../src/core/dispatch-lock.js";

const now = new Date("2026-11-25T12:00:00Z");
const trusted = new Set(["bot[bot]"]);
const ticket = (
  id: number,
  ticketId: string,
  expiresAt = "2026-11-25T12:05:00Z",
  author = "bot[bot]",
) => ({
  id,
  author,
  body: `Waiting for the dispatch lock.\n\n${encodeTicket({ ticketId, holder: "run <1> --x", expiresAt })}`,
});

describe("dispatch lock", () => {
  it("round-trips tickets, even with dashes and angle brackets in the holder", () => {
    const encoded = encodeTicket({
      ticketId: "a-b",
      holder: "--> <!--",
      expiresAt: "2026-11-25T12:05:00Z",
    });
    assert.doesNotMatch(encoded.slice(4, -3), /-->|<!--/);
    assert.deepEqual(decodeTicket(encoded), {
      ticketId: "a-b",
      holder: "--> <!--",
      expiresAt: "2026-11-25T12:05:00Z",
    });
    assert.equal(decodeTicket("<!-- goal-orchestrator:lock {broken -->"), null);
    assert.equal(decodeTicket("no ticket here"), null);
  });

  it("the oldest live ticket holds the lock; expired tickets are listed for cleanup", () => {
    const view = readLock(
      [ticket(1, "old", "2026-11-25T11:00:00Z"), ticket(2, "first"), ticket(3, "second")],
      trusted,
      now,
    );
    assert.equal(view.holder?.ticketId, "first");
    assert.equal(view.holder?.commentId, 2);
    assert.deepEqual(view.expiredCommentIds, [1]);
  });

  it("ignores tickets from untrusted authors", () => {
    const view = readLock(
      [ticket(1, "forged", undefined, "mallory"), ticket(2, "real")],
      trusted,
      now,
    );
    assert.equal(view.holder?.ticketId, "real");
    assert.equal(readLock([ticket(1, "forged", undefined, "mallory")], trusted, now).holder, null);
  });
});
