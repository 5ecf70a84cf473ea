/** setTimeout cannot wait longer than this; longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The timers of one agent run: deadlines that may move (the idle limit moves with every line of
 * output) and plain delays, all cleared at once when the run ends.
 */
export class Deadlines {
  readonly #timers = new Set<NodeJS.Timeout>();

  /** Calls `fire` once `deadline()` (a performance.now() time) has passed; re-reads it on wake-up. */
  arm(deadline: () => number, fire: () => void): void {
    const remaining = deadline() - performance.now();
    if (remaining <= 0) {
      fire();
      return;
    }
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        this.arm(deadline, fire);
      },
      Math.min(Math.ceil(remaining), MAX_TIMER_MS),
    );
    this.#timers.add(timer);
  }

  /** Calls `fire` after `ms`. */
  after(ms: number, fire: () => void): void {
    const at = performance.now() + ms;
    this.arm(() => at, fire);
  }

  clear(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
