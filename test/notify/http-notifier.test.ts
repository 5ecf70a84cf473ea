import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { NotificationEvent } from "../../src/core/notifications.js";
import { httpNotifier } from "../../src/notify/http-notifier.js";
import { downUrl, type Receiver, startReceiver } from "../helpers/notify-receiver.js";

const event: NotificationEvent = {
  kind: "stuck",
  repository: "acme/widgets",
  number: 12,
  title: "Add CSV export",
  url: "https://github.com/acme/widgets/issues/12",
  lastFailure: "exit 1",
};

let receiver: Receiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

function notifier(url: string, extra: { timeoutMs?: number } = {}) {
  const logs: string[] = [];
  const warnings: string[] = [];
  const notify = httpNotifier({
    url,
    format: "ntfy",
    on: [],
    log: (line) => logs.push(line),
    warn: (line) => warnings.push(line),
    backoffMs: 1,
    ...extra,
  });
  return { notify, logs, warnings };
}

describe("httpNotifier", () => {
  it("posts once and says so, without the URL", async () => {
    receiver = await startReceiver();
    const { notify, logs, warnings } = notifier(receiver.url);
    await notify(event);
    assert.equal(receiver.received.length, 1);
    assert.deepEqual(logs, ['sent notification "Stuck: acme/widgets#12"']);
    assert.deepEqual(warnings, []);
  });

  it("a 5xx is tried three times, then one warning", async () => {
    receiver = await startReceiver(503);
    const { notify, warnings } = notifier(receiver.url);
    await notify(event);
    assert.equal(receiver.received.length, 3);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /not sent \(the receiver answered 503\)/);
  });

  it("a 4xx is not tried again", async () => {
    receiver = await startReceiver(404);
    const { notify, warnings } = notifier(receiver.url);
    await notify(event);
    assert.equal(receiver.received.length, 1);
    assert.match(warnings[0] ?? "", /answered 404/);
  });

  it("a receiver that is down or hangs: a warning that names neither host nor path", async () => {
    const down = await downUrl();
    const refused = notifier(down);
    await refused.notify(event);
    assert.match(refused.warnings[0] ?? "", /connection refused/);
    receiver = await startReceiver("hang");
    const slow = notifier(receiver.url, { timeoutMs: 50 });
    await slow.notify(event);
    assert.equal(receiver.received.length, 3);
    assert.match(slow.warnings[0] ?? "", /no answer within 0\.05 s/);
    for (const line of [...refused.warnings, ...slow.warnings]) {
      assert.ok(!line.includes("127.0.0.1") && !line.includes("topic"), line);
    }
  });

  it("without a URL, nothing is sent and nothing is said", async () => {
    const logs: string[] = [];
    const notify = httpNotifier({
      url: null,
      format: "ntfy",
      on: [],
      log: (line) => logs.push(line),
      warn: (line) => logs.push(line),
    });
    await notify(event);
    assert.deepEqual(logs, []);
  });
});
