import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  commentsOfTicket,
  DEFAULT_TICKET_SECONDS,
  decodeTicket,
  encodeTicket,
  findNote,
  noteComment,
  readLock,
  ticketComment,
  ticketExpiry,
  ticketInDoubt,
} from "../../src/core/dispatch-lock.js";

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

  it("finds every trusted copy of a ticket, and writes comments it can read back", () => {
    const body = ticketComment({
      ticketId: "mine",
      holder: "run 7",
      expiresAt: "2026-11-25T12:01:00Z",
    });
    assert.match(body, /^Dispatch cycle waiting for or holding the lock: run 7\n/);
    assert.equal(decodeTicket(body)?.ticketId, "mine");
    const comments = [
      { id: 1, author: "bot[bot]", body },
      ticket(2, "theirs"),
      { id: 3, author: "mallory", body },
      { id: 4, author: "Bot[bot]", body },
    ];
    assert.deepEqual(commentsOfTicket(comments, "mine", trusted), [1, 4]);
  });
});

describe("the lock issue's note", () => {
  it("is read back from a trusted comment only, and is no ticket", () => {
    const body = noteComment({ budgetNotified: "2026-11-25" });
    assert.match(body, /last said that the day's budget was reached on 2026-11-25 \(UTC\)/);
    assert.equal(decodeTicket(body), null);
    assert.deepEqual(findNote([{ id: 7, author: "Bot[bot]", body }], trusted), {
      id: 7,
      note: { budgetNotified: "2026-11-25" },
    });
    assert.equal(findNote([{ id: 7, author: "someone", body }], trusted), null);
    assert.equal(
      findNote(
        [{ id: 7, author: "bot[bot]", body: "<!-- goal-orchestrator:lock-note {oops -->" }],
        trusted,
      ),
      null,
    );
  });
});
