/** setTimeout cannot wait longer than this; longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The time an agent run goes by: its duration, its time and idle limits and the grace before
 * SIGKILL. Only differences between readings count, so real time is monotonic time; tests move
 * a manual clock instead.
 */
export interface DeadlineClock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Calls `fire` once, `ms` from now, unless the returned function is called first. */
  after(ms: number, fire: () => void): () => void;
}

export const systemDeadlineClock: DeadlineClock = {
  now: () => performance.now(),
  after: (ms, fire) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

/**
 * The timers of one agent run: deadlines that may move (the idle limit moves with every output)
 * and plain delays, all cleared at once when the run ends.
 */
export class Deadlines {
  readonly #clock: DeadlineClock;
  readonly #cancels = new Set<() => void>();

  constructor(clock: DeadlineClock) {
    this.#clock = clock;
  }

  /** Calls `fire` once `deadline()` (a time of the clock) has passed; re-reads it on wake-up. */
  arm(deadline: () => number, fire: () => void): void {
    const remaining = deadline() - this.#clock.now();
    if (remaining <= 0) {
      fire();
      return;
    }
    const cancel = this.#clock.after(Math.min(Math.ceil(remaining), MAX_TIMER_MS), () => {
      this.#cancels.delete(cancel);
      this.arm(deadline, fire);
    });
    this.#cancels.add(cancel);
  }

  /** Calls `fire` after `ms`. */
  after(ms: number, fire: () => void): void {
    const at = this.#clock.now() + ms;
    this.arm(() => at, fire);
  }

  clear(): void {
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
  }
}
