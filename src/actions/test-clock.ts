import { readFileSync } from "node:fs";
import type { DeadlineClock } from "../agent/deadlines.js";
import { UserError } from "../core/errors.js";
import type { LockClock } from "../github/dispatch-lock.js";

/**
 * GOAL_ORCHESTRATOR_TEST_CLOCK, for tests only (as GOAL_ORCHESTRATOR_PACE_MS): the path of a
 * file that holds how many milliseconds a test has moved time forward (a missing or empty file
 * is 0; the number only grows). Unset, as in every real run, nothing here is used.
 *
 * When set, the runner's agent limits (duration, idle limit, grace, the wait for the agent's
 * pipes) and its checkpoints go by that number alone, not by real time; the App token cache's
 * time, the dispatcher's (its cycle's `now`) and its dispatch lock's (tickets, waits, renewals)
 * are real time plus that number, as the local GitHub server's `state.clock` after the same
 * `advance`. A test that runs the bundled runner can so stop an agent at its time limit right
 * after the agent has done what the test needs, or expire a token while the agent works; one
 * that kills a dispatcher holding the lock lets its ticket expire without waiting a minute;
 * whatever the speed of the machine, it asserts the order of events, never how long they took.
 */
export interface TestClock {
  /** For the agent's limits and checkpoints: the milliseconds moved so far. */
  deadlines: DeadlineClock;
  /** For the token cache and the dispatch cycle: milliseconds since the epoch, moved as the file says. */
  now: () => number;
  /**
   * For the dispatch lock: `now`'s time. A sleep ends, and a renewal ticks, once that time has
   * passed theirs, by real time going by or by the file moving.
   */
  lock: LockClock;
}

/**
 * How often the file is read while a timer waits for it. A pending deadline or sleep keeps the
 * process alive, as a real timer does; a renewal tick does not, as the lock asks.
 */
const READ_EVERY_MS = 20;

export function testClockFromEnvironment(env: NodeJS.ProcessEnv): TestClock | undefined {
  const path = env.GOAL_ORCHESTRATOR_TEST_CLOCK;
  if (!path) return undefined;
  let moved = 0;
  const read = (): number => {
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return moved;
      throw new UserError(`GOAL_ORCHESTRATOR_TEST_CLOCK: cannot read ${path}: ${String(error)}`);
    }
    const value = Number(text);
    // An empty file is one being written: keep what was read before.
    if (text !== "" && Number.isInteger(value) && value > moved) moved = value;
    return moved;
  };
  read();
  const now = () => Date.now() + read();
  const deadlines = new PolledTimers(read);
  const wall = new PolledTimers(now);
  return {
    deadlines: { now: read, after: (ms, fire) => deadlines.after(ms, fire, true) },
    now,
    lock: {
      now,
      sleep: (ms) => new Promise((resolve) => wall.after(ms, resolve, true)),
      every: (ms, tick) => {
        let cancel = () => {};
        const arm = () => {
          cancel = wall.after(
            ms,
            () => {
              arm();
              tick();
            },
            false,
          );
        };
        arm();
        return () => cancel();
      },
    },
  };
}

/** Timers on a time that a poll reads: each fires, in order, once that time has passed its own. */
class PolledTimers {
  private readonly timers = new Set<{ at: number; fire: () => void; keepsAlive: boolean }>();
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number) {}

  after(ms: number, fire: () => void, keepsAlive: boolean): () => void {
    const timer = { at: this.now() + ms, fire, keepsAlive };
    this.timers.add(timer);
    this.poll ??= setInterval(() => this.check(), READ_EVERY_MS);
    this.refresh();
    return () => {
      this.timers.delete(timer);
      this.refresh();
    };
  }

  private check(): void {
    const now = this.now();
    const due = [...this.timers].filter((timer) => timer.at <= now).sort((a, b) => a.at - b.at);
    for (const timer of due) {
      if (!this.timers.has(timer)) continue; // cancelled by an earlier one
      this.timers.delete(timer);
      timer.fire();
    }
    this.refresh();
  }

  /** Stops polling when no timer is left; keeps the process alive only for those that ask. */
  private refresh(): void {
    if (this.poll === undefined) return;
    if (this.timers.size === 0) {
      clearInterval(this.poll);
      this.poll = undefined;
    } else if ([...this.timers].some((timer) => timer.keepsAlive)) {
      this.poll.ref();
    } else {
      this.poll.unref();
    }
  }
}
