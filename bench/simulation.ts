// Section 8 of `npm run bench`: a simulation, not a timed test. The REAL dispatcher (dispatch()
// in-process, with the adapters the orchestrator uses, pacing off) runs against the local test
// server, whose clock follows simulated time, while runner jobs are timed events. See
// docs/performance.md, "Simulation", for the model and what each printed line means.
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import type { RequestLogEntry } from "../tools/github-server/server.js";
import {
  contentCreated,
  graphqlPoints,
  isGraphQL,
  limitsOf,
  pacedSeconds,
  sumOf,
  sustainableGoalsPerHour,
} from "./simulation-model.js";
import {
  CRON_DELAY_MS,
  CRON_MS,
  GOALS,
  JOB_START_MS,
  type Mode,
  type ScenarioResult,
  SEED,
  SIGMA,
  SLOTS,
  startOfSimulation,
} from "./simulation-run.js";
import { SimWorld } from "./simulation-world.js";
import { formatMs } from "./table.js";

const MEDIANS = [20, 60, 240] as const;
const MODES: Mode[] = ["cron only", "cron + wake-ups"];
const CLAIM_COUNTS = [5, 20, 48] as const;
const TOKENS = [
  { name: "GITHUB_TOKEN", rest: 1000, graphql: 1000 },
  { name: "App token", rest: 5000, graphql: 5000 },
] as const;
const CRON_PER_HOUR = 3_600_000 / CRON_MS;
/** Scenarios run in child processes, this many at a time. */
const PARALLEL = Math.max(1, Math.min(2, cpus().length));
const WORKER = new URL("./simulation-worker.ts", import.meta.url).pathname;

const out = (line: string) => process.stdout.write(`${line}\n`);
const fixed = (n: number, digits = 1) => n.toFixed(digits);
const points = (entries: readonly RequestLogEntry[]) => sumOf(entries, graphqlPoints);

/** One cycle on a fresh server after a warm-up cycle (the goal labels exist). */
async function measuredCycle(queued: number, max: number): Promise<RequestLogEntry[]> {
  const world = await SimWorld.start(startOfSimulation());
  try {
    world.seedGoals(0);
    world.startRun(1);
    await world.cycle(1, max);
    world.seedGoals(queued, false);
    world.startRun(2);
    const { report, entries } = await world.cycle(2, max);
    if (report.claimed.length !== Math.min(queued, max)) {
      throw new Error(`simulation: claimed ${report.claimed.length} of ${max}`);
    }
    return entries;
  } finally {
    await world.close();
  }
}

/** One scenario in a child process (bench/simulation-worker.ts). */
function simulateApart(median: number, mode: Mode): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, String(median), mode], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`simulation: ${median}-min, ${mode}: exit ${code}`));
      else resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ScenarioResult);
    });
  });
}

/**
 * Every scenario, at most PARALLEL at once; `ready` gets each result in the order given, as soon
 * as it and those before it are in (a long run shows its first figures early).
 */
async function simulateAll(
  scenarios: readonly { median: number; mode: Mode }[],
  ready: (result: ScenarioResult) => void,
): Promise<void> {
  const results: ScenarioResult[] = [];
  let next = 0;
  let shown = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const index = next++;
      const scenario = scenarios[index] as { median: number; mode: Mode };
      results[index] = await simulateApart(scenario.median, scenario.mode);
      for (let result = results[shown]; result; result = results[shown]) {
        ready(result);
        shown++;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

function describeMix(entries: readonly RequestLogEntry[]): string {
  const graphql = entries.filter(isGraphQL).length;
  const writes = entries.filter((e) => !isGraphQL(e) && e.method !== "GET").length;
  const content = sumOf(entries, contentCreated);
  return `${entries.length} requests: ${graphql} GraphQL, ${writes} REST writes, ${content} content-creating`;
}

function printScenario(result: ScenarioResult, idle: readonly RequestLogEntry[]): void {
  const label = `${result.medianMinutes}-min goals, ${result.mode}`;
  const { entries } = result;
  const hours = result.makespanMs / 3_600_000;
  const window = result.lastStartAt - result.firstCycleAt;
  out(`utilisation, ${label}: ${fixed((100 * result.busyInWindowMs) / (SLOTS * window))} %`);
  out(
    `makespan / ideal, ${label}: ${fixed(result.makespanMs / result.idealMs, 2)} (${fixed(hours, 2)} h / ${fixed(result.idealMs / 3_600_000, 2)} h)`,
  );
  out(`requests per goal, ${label}: ${fixed(entries.length / GOALS)}`);
  out(
    `requests per goal from runners, ${label}: ${fixed(result.runnerRequests / GOALS)} (replayed through the adapters)`,
  );
  out(
    `content-creating requests per goal, ${label}: ${fixed(sumOf(entries, contentCreated) / GOALS, 2)}`,
  );
  out(`GraphQL points per hour, ${label}: ${fixed(points(entries) / hours, 0)}`);
  for (const token of TOKENS) {
    const { goalsPerHour, bound } = sustainableGoalsPerHour(
      limitsOf(token.rest, token.graphql),
      { entries, goals: GOALS, cronCycles: result.cronCycles },
      idle,
      CRON_PER_HOUR,
    );
    out(`goals per hour, ${token.name}, ${label}: ${fixed(goalsPerHour, 0)} (bound: ${bound})`);
  }
  out(
    `cycles, ${label}: ${result.cronCycles} cron, ${result.wakeCycles} wake-up (${result.wakeUpsCoalesced} wake-ups folded into a pending one), longest ${result.longestCycleSeconds} s paced`,
  );
}

export async function benchSimulation(): Promise<void> {
  const started = performance.now();
  out("\n### 8. Simulation: 500 goals on a 48-slot host, real dispatcher, simulated time\n");
  out(
    `- model: ${SLOTS} slots, ${GOALS} goals queued at once (FIFO), lognormal durations (sigma ${SIGMA}) around medians of ${MEDIANS.join(", ")} min, seed ${SEED}; cron every ${CRON_MS / 60_000} min + a delay of 0–${CRON_DELAY_MS / 60_000} min (uniform); jobs start ${JOB_START_MS / 1000} s after their cycle ends.`,
  );
  out(
    "- a cycle takes its paced time (computed from its requests) and happens at one instant of the server's clock; cycles run one after another.",
  );
  out(
    "- runner jobs: the requests runGoal makes are replayed through the same adapter methods (settings, viewer, getGoal, forBranch at the start; pulls.create, enableAutoMerge, store.transition at the end), git pushes skipped; the PR then merges and closes its goal.",
  );
  out("");
  out("```");
  const scenarios = MEDIANS.flatMap((median) => MODES.map((mode) => ({ median, mode })));
  // Scenario lines wait for the idle cycle they are computed with; the scenarios start at once.
  let idle: RequestLogEntry[] | null = null;
  const waiting: ScenarioResult[] = [];
  const show = (result: ScenarioResult) => {
    if (idle) printScenario(result, idle);
    else waiting.push(result);
  };
  const simulated = simulateAll(scenarios, show);
  simulated.catch(() => {}); // awaited below, after the single cycles
  idle = await measuredCycle(0, SLOTS);
  out(`idle cycle: ${idle.length} requests, ${points(idle)} points`);
  for (const count of CLAIM_COUNTS) {
    const entries = await measuredCycle(GOALS, count);
    out(
      `time to claim ${count} goals (computed, production pacing): ${pacedSeconds(entries)} s (${describeMix(entries)})`,
    );
  }
  for (const result of waiting) printScenario(result, idle);
  await simulated;
  out(
    "local orchestrator, 30 instant goals at --max 5, makespan / ideal: measured in section 9, not simulated (src/cli/orchestrator.ts runs runGoal itself, with no agent or clock to inject)",
  );
  out("```");
  out("");
  out(
    `- simulation wall time: ${formatMs(performance.now() - started)} (${PARALLEL} scenarios at a time, each in a process of its own)`,
  );
}
