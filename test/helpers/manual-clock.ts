import type { DeadlineClock } from "../../src/agent/deadlines.js";
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
 * A clock that moves only when a test moves it, so that no assertion depends on how fast the
 * machine is: for the dispatch lock (a {@link LockClock}) and for agent runs (a
 * {@link DeadlineClock}). Sleepers wake, `after` timers fire and renewal timers tick when
 * `advance` passes their time; `sleepers` tells when the code under test has stopped to wait
 * for the clock.
 */
export class ManualClock implements LockClock, DeadlineClock {
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
      this.after(ms, resolve);
    });
  }

  after(ms: number, fire: () => void): () => void {
    return this.add({ at: this.ms + ms, fire });
  }

  every(ms: number, tick: () => unknown): () => void {
    return this.add({ at: this.ms + ms, period: ms, fire: tick });
  }

  /** How many sleeps and `after` timers are pending: each is a caller waiting for the clock. */
  sleepers(): number {
    return this.timers.filter((timer) => timer.period === undefined).length;
  }

  /**
   * Moves the clock `ms` forward in one jump. Every `every` timer that came due ticks once (a
   * renewal timer that missed several periods ticks once, as a real one after a stall), and the
   * work it returns is awaited; then every sleeper and `after` timer that came due fires, in the
   * order of their times, all seeing the new time. Timers set meanwhile wait for the next move.
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
    const once = due.filter((timer) => timer.period === undefined).sort((a, b) => a.at - b.at);
    for (const timer of once) {
      if (!this.timers.includes(timer)) continue; // cancelled by an earlier one
      this.timers = this.timers.filter((other) => other !== timer);
      timer.fire();
    }
  }

  /** Moves the clock to the next timer's time (nothing when there is none). */
  async next(): Promise<void> {
    const at = Math.min(...this.timers.map((timer) => timer.at));
    if (Number.isFinite(at)) await this.advance(Math.max(0, at - this.ms));
  }

  /** Adds a timer; the returned function removes it. */
  private add(timer: Timer): () => void {
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }
}
