import { readFileSync } from "node:fs";
import type { DeadlineClock } from "../agent/deadlines.js";
import { UserError } from "../core/errors.js";

/**
 * GOAL_ORCHESTRATOR_TEST_CLOCK, for tests only (as GOAL_ORCHESTRATOR_PACE_MS): the path of a
 * file that holds how many milliseconds a test has moved time forward (a missing or empty file
 * is 0; the number only grows). Unset, as in every real run, nothing here is used.
 *
 * When set, the runner's agent limits (duration, idle limit, grace, the wait for the agent's
 * pipes) go by that number alone, not by real time, and the App token cache's time is real time
 * plus that number, as the local GitHub server's `state.clock` after the same `advance`. A test
 * that runs the bundled runner can so stop an agent at its time limit right after the agent
 * has done what the test needs, or expire a token while the agent works, whatever the speed of
 * the machine: it asserts the order of events, never how long they took.
 */
export interface TestClock {
  /** For the agent's limits: the milliseconds moved so far. */
  deadlines: DeadlineClock;
  /** For the token cache: milliseconds since the epoch, moved as the file says. */
  now: () => number;
}

/**
 * How often the file is read while a deadline waits for it. A pending deadline keeps the process
 * alive, as a real timer does.
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
  const timers = new Set<{ at: number; fire: () => void }>();
  let poll: NodeJS.Timeout | undefined;
  const check = () => {
    const now = read();
    for (const timer of [...timers]) {
      if (timer.at > now || !timers.has(timer)) continue;
      timers.delete(timer);
      timer.fire();
    }
    if (timers.size === 0 && poll !== undefined) {
      clearInterval(poll);
      poll = undefined;
    }
  };
  read();
  return {
    deadlines: {
      now: read,
      after: (ms, fire) => {
        const timer = { at: read() + ms, fire };
        timers.add(timer);
        poll ??= setInterval(check, READ_EVERY_MS);
        return () => {
          timers.delete(timer);
        };
      },
    },
    now: () => Date.now() + read(),
  };
}
