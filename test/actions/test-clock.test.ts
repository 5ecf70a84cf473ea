import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { testClockFromEnvironment } from "../../src/actions/test-clock.js";

const dir = mkdtempSync(join(tmpdir(), "goal-test-clock-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("GOAL_ORCHESTRATOR_TEST_CLOCK", () => {
  it("is off unless set", () => {
    assert.equal(testClockFromEnvironment({}), undefined);
    assert.equal(testClockFromEnvironment({ GOAL_ORCHESTRATOR_TEST_CLOCK: "" }), undefined);
  });

  it("fires deadlines when the file says time has moved past them, in order", async () => {
    const file = join(dir, "order");
    const clock = testClockFromEnvironment({ GOAL_ORCHESTRATOR_TEST_CLOCK: file });
    assert.ok(clock);
    assert.equal(clock.deadlines.now(), 0, "a missing file is 0");
    const fired: string[] = [];
    const fire = (name: string) =>
      new Promise<void>((done) => {
        clock.deadlines.after(name === "first" ? 1000 : 3000, () => {
          fired.push(name);
          done();
        });
      });
    const first = fire("first");
    const second = fire("second");
    const cancelled = clock.deadlines.after(1000, () => fired.push("cancelled"));
    cancelled();
    writeFileSync(file, "1000");
    await first;
    assert.deepEqual(fired, ["first"]);
    assert.equal(clock.deadlines.now(), 1000);
    writeFileSync(file, "");
    assert.equal(clock.deadlines.now(), 1000, "a file being written keeps the time read before");
    writeFileSync(file, "5000");
    await second;
    assert.deepEqual(fired, ["first", "second"]);
    writeFileSync(file, "10");
    assert.equal(clock.deadlines.now(), 5000, "time never goes back");
  });

  it("moves the token cache's time by what the file says, from real time", () => {
    const file = join(dir, "wall");
    writeFileSync(file, "3600000");
    const clock = testClockFromEnvironment({ GOAL_ORCHESTRATOR_TEST_CLOCK: file });
    assert.ok(clock);
    const before = Date.now();
    const now = clock.now();
    assert.ok(now >= before + 3_600_000 && now <= Date.now() + 3_600_000);
  });

  it("runs the dispatch lock's time as real time plus the file: sleeps and renewals wake when it moves", async () => {
    const file = join(dir, "lock");
    writeFileSync(file, "0");
    const clock = testClockFromEnvironment({ GOAL_ORCHESTRATOR_TEST_CLOCK: file });
    assert.ok(clock);
    const before = Date.now();
    const now = clock.lock.now();
    assert.ok(now >= before && now <= Date.now(), "unmoved, it is real time");
    const events: string[] = [];
    // A waiting dispatcher's pause and a holder's renewals, an hour each: only the file ends them.
    const slept = clock.lock.sleep(3_600_000).then(() => events.push("woke"));
    let ticked = () => {};
    const tick = new Promise<void>((done) => {
      ticked = done;
    });
    const stop = clock.lock.every(3_600_000, () => {
      events.push("renewed");
      ticked();
    });
    writeFileSync(file, "3600000");
    await Promise.all([slept, tick]);
    stop();
    assert.deepEqual(events.sort(), ["renewed", "woke"]);
    assert.ok(clock.lock.now() >= before + 3_600_000, "the lock sees the moved time");
  });
});
