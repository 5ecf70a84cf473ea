import type { LockClock } from "../../src/github/dispatch-lock.js";

/** Where manual clocks start: any fixed instant will do, so that every run sees the same times. */
export const CLOCK_START_MS = Date.parse("2026-11-25T12:00:00Z");

interface Timer {
  at: number;
  /** Set for `every` timers: their period. */
  period?: number;
  fire: () => unknown;
}

/**
 * A dispatch-lock clock that moves only when a test moves it, so that no assertion depends on
 * how fast the machine is. Sleepers wake, and renewal timers tick, when `advance` passes their
 * time; `sleepers` tells when the code under test has stopped to wait for the clock.
 */
export class ManualClock implements LockClock {
  private ms: number;
  private timers: Timer[] = [];

  constructor(startMs = CLOCK_START_MS) {
    this.ms = startMs;
  }

  now(): number {
    return this.ms;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.ms + ms, fire: resolve });
    });
  }

  every(ms: number, tick: () => unknown): () => void {
    const timer: Timer = { at: this.ms + ms, period: ms, fire: tick };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** How many sleeps are pending: each is a caller stopped until the clock moves. */
  sleepers(): number {
    return this.timers.filter((timer) => timer.period === undefined).length;
  }

  /**
   * Moves the clock `ms` forward in one jump. Every timer that came due ticks once (a renewal
   * timer that missed several periods ticks once, as a real one after a stall), and the work
   * it returns is awaited; then every sleeper that came due wakes, seeing the new time.
   */
  async advance(ms: number): Promise<void> {
    this.ms += ms;
    const due = this.timers.filter((timer) => timer.at <= this.ms);
    const ticks = due.filter((timer) => timer.period !== undefined);
    for (const timer of ticks) {
      if (!this.timers.includes(timer)) continue; // stopped by an earlier tick
      while (timer.at <= this.ms) timer.at += Math.max(1, timer.period ?? 1);
      await timer.fire();
    }
    const sleeps = due.filter((timer) => timer.period === undefined);
    this.timers = this.timers.filter((timer) => !sleeps.includes(timer));
    for (const sleep of sleeps) sleep.fire();
  }

  /** Moves the clock to the next timer's time (nothing when there is none). */
  async next(): Promise<void> {
    const at = Math.min(...this.timers.map((timer) => timer.at));
    if (Number.isFinite(at)) await this.advance(Math.max(0, at - this.ms));
  }
}
