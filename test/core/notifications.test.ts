import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  headerValue,
  isNotified,
  jsonRequest,
  type NotificationEvent,
  ntfyRequest,
  renderNotification,
} from "../../src/core/notifications.js";

const goal = {
  repository: "acme/widgets",
  number: 12,
  title: "Add CSV export",
  url: "https://github.com/acme/widgets/issues/12",
};

describe("renderNotification", () => {
  it("spot-check: title, the goal's title, the reasons and the pull request as the link", () => {
    const n = renderNotification({
      kind: "spot-check",
      ...goal,
      reasons: "changes .github/workflows/ci.yml",
      prUrl: "https://github.com/acme/widgets/pull/3",
    });
    assert.equal(n.title, "Spot-check: acme/widgets#12");
    assert.equal(
      n.body,
      "Add CSV export\nNeeds a human review: changes .github/workflows/ci.yml\nhttps://github.com/acme/widgets/pull/3",
    );
    assert.equal(n.click, "https://github.com/acme/widgets/pull/3");
    assert.equal(n.priority, 4);
  });

  it("stuck: the last failure, shortened; the goal as the link", () => {
    const n = renderNotification({ kind: "stuck", ...goal, lastFailure: "x".repeat(5000) });
    assert.equal(n.title, "Stuck: acme/widgets#12");
    assert.ok(n.body.length < 800, "a phone shows a few lines, not a log");
    assert.match(n.body, /^Add CSV export\nLast failure: x+…\nhttps:/);
    assert.equal(n.click, goal.url);
  });

  it("budget, failed cycle and done", () => {
    assert.equal(
      renderNotification({ kind: "budget", repository: "a/b", message: "spent", url: null }).title,
      "Budget reached: a/b",
    );
    const failed = renderNotification({
      kind: "cycle-failed",
      repository: "a/b",
      error: "Bad credentials",
      url: "https://github.com/a/b/actions/runs/1",
    });
    assert.equal(failed.title, "Dispatch cycle failed: a/b");
    assert.equal(failed.body, "Bad credentials\nhttps://github.com/a/b/actions/runs/1");
    const done = renderNotification({ kind: "done", ...goal, prUrl: null });
    assert.equal(done.click, goal.url);
    assert.equal(done.priority, 2);
  });
});

describe("isNotified", () => {
  const done: NotificationEvent = { kind: "done", ...goal, prUrl: null };
  const stuck: NotificationEvent = { kind: "stuck", ...goal, lastFailure: "x" };
  it("sends done only when notify-on lists it; the others always", () => {
    assert.equal(isNotified(done, []), false);
    assert.equal(isNotified(done, ["done"]), true);
    assert.equal(isNotified(stuck, []), true);
  });
});

describe("ntfy and JSON requests", () => {
  it("ntfy: Title, Tags, Priority, Click headers and the body as plain text", () => {
    const request = ntfyRequest(renderNotification({ kind: "stuck", ...goal, lastFailure: "x" }));
    assert.deepEqual(request.headers, {
      "Content-Type": "text/plain; charset=utf-8",
      Title: "Stuck: acme/widgets#12",
      Tags: "warning",
      Priority: "4",
      Click: goal.url,
    });
    assert.match(request.body, /^Add CSV export\n/);
  });

  it("a title with CR/LF cannot add a header; non-ASCII goes as an RFC 2047 word", () => {
    assert.equal(headerValue("a\r\nX-Evil: 1"), "a X-Evil: 1");
    const encoded = headerValue("Café ☕\n");
    assert.match(encoded, /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    const inner = encoded.slice("=?UTF-8?B?".length, -2);
    assert.equal(Buffer.from(inner, "base64").toString("utf8"), "Café ☕");
    // Every header value is one line of printable ASCII, which fetch accepts.
    const request = ntfyRequest(
      renderNotification({ kind: "stuck", ...goal, title: "Ünïcode\r\n", lastFailure: "x" }),
    );
    for (const value of Object.values(request.headers)) assert.match(value, /^[\x20-\x7e]*$/);
  });

  it("a link that is not http(s) is left out of Click", () => {
    const request = ntfyRequest(
      renderNotification({ kind: "done", ...goal, prUrl: "javascript:alert(1)" }),
    );
    assert.equal(request.headers.Click, undefined);
  });

  it("json: one object with the same fields", () => {
    const request = jsonRequest(renderNotification({ kind: "done", ...goal, prUrl: null }));
    assert.equal(request.headers["Content-Type"], "application/json");
    assert.deepEqual(JSON.parse(request.body), {
      event: "done",
      title: "Done: acme/widgets#12",
      body: `Add CSV export\n${goal.url}`,
      tags: ["white_check_mark"],
      priority: 2,
      click: goal.url,
    });
  });
});
