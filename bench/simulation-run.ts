// One scenario of the simulation (bench/simulation.ts): 500 queued goals, a 48-slot host, cron
// cycles (and wake-ups), runner jobs as timed events, in simulated time against the test server.
import type { RequestLogEntry } from "../tools/github-server/server.js";
import { lognormal, pacedSeconds, seededRandom } from "./simulation-model.js";
import { type Job, SimWorld } from "./simulation-world.js";

export const SLOTS = 48;
export const GOALS = 500;
export const SIGMA = 0.5;
export const SEED = 20_240_612;
export const CRON_MS = 10 * 60_000;
/** GitHub starts scheduled runs late, here by 0–15 minutes (uniform). */
export const CRON_DELAY_MS = 15 * 60_000;
/** From a run's creation (or a cycle's end) to its job running. */
export const JOB_START_MS = 30_000;
/** Simulated time starts at a fixed UTC midnight, a day ahead of the real clock (it only moves on). */
export const startOfSimulation = () => (Math.floor(Date.now() / 86_400_000) + 2) * 86_400_000;
const GIVE_UP_MS = 30 * 86_400_000;

export type Mode = "cron only" | "cron + wake-ups";

interface JobRecord {
  number: number;
  start: number;
  end: number;
}

export interface ScenarioResult {
  medianMinutes: number;
  mode: Mode;
  /** Every request: cycles (from their process start) and runner jobs. */
  entries: RequestLogEntry[];
  runnerRequests: number;
  cronCycles: number;
  wakeCycles: number;
  /** Wake-ups that replaced a pending one, or joined one pending. */
  wakeUpsCoalesced: number;
  firstCycleAt: number;
  /** When the last queued goal got its slot (its job started). */
  lastStartAt: number;
  makespanMs: number;
  idealMs: number;
  busyInWindowMs: number;
  /** Longest paced cycle, seconds (computed). */
  longestCycleSeconds: number;
}

type Event =
  | { at: number; kind: "cycle"; source: "cron" | "wake"; tick?: number }
  | { at: number; kind: "cycle-end"; source: "cron" | "wake"; runId: number; claims: Claim[] }
  | { at: number; kind: "job-start"; claim: Claim; runId: number }
  | { at: number; kind: "job-end"; job: Job; record: JobRecord };
type Claim = { number: number; attempt: number };

/** A small time-ordered queue; events of the same time keep their order. */
class Agenda {
  private items: { event: Event; seq: number }[] = [];
  private seq = 0;
  push(event: Event): void {
    this.items.push({ event, seq: this.seq++ });
  }
  pop(): Event | undefined {
    let best = -1;
    for (let i = 0; i < this.items.length; i++) {
      const item = this.items[i] as { event: Event; seq: number };
      const current = best < 0 ? undefined : this.items[best];
      if (
        !current ||
        item.event.at < current.event.at ||
        (item.event.at === current.event.at && item.seq < current.seq)
      )
        best = i;
    }
    return best < 0 ? undefined : this.items.splice(best, 1)[0]?.event;
  }
}

export async function simulate(medianMinutes: number, mode: Mode): Promise<ScenarioResult> {
  const t0 = startOfSimulation();
  const world = await SimWorld.start(t0);
  try {
    return await run(world, t0, medianMinutes, mode);
  } finally {
    await world.close();
  }
}

async function run(
  world: SimWorld,
  t0: number,
  medianMinutes: number,
  mode: Mode,
): Promise<ScenarioResult> {
  const numbers = world.seedGoals(GOALS);
  // The same draws for both modes: durations from one stream, cron delays from another.
  const drawDuration = seededRandom(SEED + medianMinutes);
  const duration = new Map(
    numbers.map((n) => [n, lognormal(drawDuration, medianMinutes * 60_000, SIGMA)]),
  );
  const longest = Math.max(...duration.values());
  world.durationSeconds = Math.ceil(longest / 3_600_000 + 1) * 3600;
  const drawDelay = seededRandom(SEED + 1);
  const agenda = new Agenda();
  const cronAt = (tick: number) => t0 + tick * CRON_MS + drawDelay() * CRON_DELAY_MS;
  agenda.push({ at: cronAt(1), kind: "cycle", source: "cron", tick: 1 });

  const entries: RequestLogEntry[] = [];
  const log = world.server.requests;
  const claimed = new Set<number>();
  const finished = new Set<number>();
  const records: JobRecord[] = [];
  const jobsOfRun = new Map<number, number>();
  let runner = 0;
  let runIds = 1000;
  let busyUntil = Number.NEGATIVE_INFINITY;
  let active = 0;
  let cronCycles = 0;
  let wakeCycles = 0;
  let coalesced = 0;
  let firstCycleAt = Number.NaN;
  let lastStartAt = Number.NaN;
  let longestCycleSeconds = 0;
  // The wake-ups' concurrency group: one run in it (created → its cycle's end), one pending.
  const group = { running: false, pending: false };
  const wake = (at: number) => {
    if (mode !== "cron + wake-ups") return;
    if (group.running) {
      if (group.pending) coalesced++;
      group.pending = true;
      return;
    }
    group.running = true;
    agenda.push({ at: at + JOB_START_MS, kind: "cycle", source: "wake" });
  };
  /** Requests made by `work` (events run one at a time), for the runner's count. */
  const asRunner = async <T>(work: () => Promise<T>): Promise<T> => {
    const from = log.length;
    const result = await work();
    entries.push(...log.slice(from));
    runner += log.length - from;
    return result;
  };

  wake(t0); // labelling the goals goal:queued asks for a cycle
  for (let event = agenda.pop(); event; event = agenda.pop()) {
    if (finished.size === GOALS) break;
    if (event.at - t0 > GIVE_UP_MS) throw new Error("simulation: 30 simulated days, not done");
    if (event.kind === "cycle") {
      if (event.at < busyUntil) {
        // Another cycle holds the dispatch lock: this one waits for it (no timeout modelled).
        agenda.push({ ...event, at: busyUntil });
        continue;
      }
      world.advanceTo(event.at);
      if (event.tick !== undefined) {
        const tick = event.tick + 1;
        agenda.push({ at: cronAt(tick), kind: "cycle", source: "cron", tick });
      }
      const runId = runIds++;
      world.startRun(runId);
      const cycle = await world.cycle(runId, SLOTS);
      entries.push(...cycle.entries);
      if (event.source === "cron") cronCycles++;
      else wakeCycles++;
      if (Number.isNaN(firstCycleAt)) firstCycleAt = event.at;
      const { report } = cycle;
      if (report.requeued.length + report.stuck.length + report.toDraft.length > 0) {
        throw new Error(`simulation: the cycle moved goals back: ${JSON.stringify(report)}`);
      }
      if (report.running > SLOTS) throw new Error(`simulation: ${report.running} running`);
      for (const goal of report.claimed) {
        if (claimed.has(goal.number)) throw new Error(`simulation: #${goal.number} claimed twice`);
        claimed.add(goal.number);
      }
      const seconds = pacedSeconds(cycle.entries);
      longestCycleSeconds = Math.max(longestCycleSeconds, seconds);
      busyUntil = event.at + seconds * 1000;
      agenda.push({
        at: busyUntil,
        kind: "cycle-end",
        source: event.source,
        runId,
        claims: report.claimed.map(({ number, attempt }) => ({ number, attempt })),
      });
    } else if (event.kind === "cycle-end") {
      for (const claim of event.claims) {
        agenda.push({ at: event.at + JOB_START_MS, kind: "job-start", claim, runId: event.runId });
      }
      jobsOfRun.set(event.runId, event.claims.length);
      if (event.claims.length === 0) world.finishRun(event.runId);
      if (event.source === "wake") {
        group.running = false;
        if (group.pending) {
          group.pending = false;
          wake(event.at);
        }
      }
    } else if (event.kind === "job-start") {
      world.advanceTo(event.at);
      active++;
      if (active > SLOTS) throw new Error(`simulation: ${active} jobs at once`);
      const { number, attempt } = event.claim;
      const job = await asRunner(() => world.jobStart(number, attempt, event.runId));
      const record = { number, start: event.at, end: event.at + (duration.get(number) ?? 0) };
      lastStartAt = event.at;
      agenda.push({ at: record.end, kind: "job-end", job, record });
    } else {
      world.advanceTo(event.at);
      const { job, record } = event;
      if (finished.has(job.number)) throw new Error(`simulation: #${job.number} done twice`);
      await asRunner(() => world.jobEnd(job));
      finished.add(job.number);
      records.push(record);
      active--;
      const left = (jobsOfRun.get(job.runId) ?? 1) - 1;
      jobsOfRun.set(job.runId, left);
      if (left === 0) world.finishRun(job.runId);
      if (finished.size % 100 === 0) {
        process.stderr.write(
          `simulation: ${medianMinutes}-min goals, ${mode}: ${finished.size} of ${GOALS} done\n`,
        );
      }
      wake(event.at); // the runner asks for a cycle as it ends
    }
  }

  for (const number of numbers) {
    const state = world.goalState(number);
    if (!finished.has(number) || state.open || !state.labels.includes("goal:done")) {
      throw new Error(`simulation: #${number} did not end done and closed`);
    }
  }
  const end = Math.max(...records.map((r) => r.end));
  const work = [...duration.values()].reduce((a, b) => a + b, 0);
  const busyInWindowMs = records.reduce(
    (total, r) =>
      total + Math.max(0, Math.min(r.end, lastStartAt) - Math.max(r.start, firstCycleAt)),
    0,
  );
  return {
    medianMinutes,
    mode,
    entries,
    runnerRequests: runner,
    cronCycles,
    wakeCycles,
    wakeUpsCoalesced: coalesced,
    firstCycleAt,
    lastStartAt,
    makespanMs: end - t0,
    idealMs: Math.max(work / SLOTS, longest),
    busyInWindowMs,
    longestCycleSeconds,
  };
}
