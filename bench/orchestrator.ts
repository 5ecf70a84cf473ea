// Section 9 of `npm run bench`: the local `orchestrator` CLI (the bundle, dist/orchestrator) runs
// 30 instant goals at --max 5 against the local GitHub API server with a real bare git origin,
// each goal a real run: clone, test/agents/agent.mjs in its sandbox (it commits at once and
// exits), push, pull request, auto-merge, result. Measured with the tests' pace (5 ms); what
// production pacing (1 s) makes of the same requests is computed. See docs/performance.md,
// "The local orchestrator's makespan", for the method and what each line means.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { createGoal } from "../src/flows/create-goal.js";
import { GOAL_BODY, TEST_PACE_MS } from "../test/helpers/github-fixture.js";
import { agentFlags, startWorld, type TestWorld } from "../test/helpers/world.js";
import type { RequestLogEntry } from "../tools/github-server/server.js";
import { isMutatingRequest } from "./simulation-model.js";
import { formatMs, median } from "./table.js";

const GOALS = 30;
const MAX = 5;
/** Full runs measured; the figure printed is the median run's. */
const RUNS = 3;
const BUNDLE = resolve("dist/orchestrator/index.js");

const out = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A request as the server logged it, and when (ms on this process's clock) it arrived. */
interface Stamped {
  at: number;
  entry: RequestLogEntry;
}

interface Run {
  /** When the orchestrator printed its first claim, and the last goal's result. */
  firstClaimAt: number;
  lastResultAt: number;
  startedAt: number;
  /** Goals claimed by each cycle that claimed, in order. */
  claims: number[];
  /** Each goal's time from its claim line to its result line (ms). */
  goalMs: number[];
  results: number;
  requests: Stamped[];
  output: string;
}

async function queue(w: TestWorld, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await createGoal(w.store, {
      title: `instant ${i}`,
      body: GOAL_BODY,
      queue: true,
      spotCheck: false,
    });
  }
}

/**
 * The bundled orchestrator on a fresh world with `goals` queued; `once` for a single cycle,
 * else an hour's interval (only wake-ups start cycles) and SIGINT once every goal has a result.
 */
async function runOrchestrator(goals: number, once: boolean): Promise<Run> {
  // No required checks on main: a goal's pull request merges as soon as it is opened (instant
  // CI too), so open pull requests do not pile up. The test server recomputes every open pull
  // request with git on each GraphQL request, a cost GitHub does not have that would otherwise
  // grow with each goal delivered.
  const w = await startWorld({ protectedBranches: [] });
  try {
    await queue(w, goals);
    // Production pacing keeps the content-creating requests under GitHub's 80 a minute; the
    // tests' pace does not, and the server would refuse them.
    w.server.setLimits({ secondary: false });
    w.server.resetRequests();
    const requests: Stamped[] = [];
    const log = w.server.requests as RequestLogEntry[];
    const push = log.push.bind(log);
    log.push = (...entries: RequestLogEntry[]) => {
      const at = performance.now();
      for (const entry of entries) requests.push({ at, entry });
      return push(...entries);
    };
    const args = [
      BUNDLE,
      "--max",
      String(MAX),
      ...(once ? ["--once"] : ["--interval", "1h"]),
      "--clone-url",
      w.bare.gitDir,
      // Each goal commits a file of its own (work-N.txt), so that the pull requests do not conflict.
      ...agentFlags("storm:success"),
      "--duration",
      "5m",
    ];
    const startedAt = performance.now();
    const child = spawn(process.execPath, args, {
      env: w.cliEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run: Run = {
      firstClaimAt: Number.NaN,
      lastResultAt: Number.NaN,
      startedAt,
      claims: [],
      goalMs: [],
      results: 0,
      requests,
      output: "",
    };
    let pending = 0;
    let partial = "";
    const claimedAt = new Map<string, number>();
    const line = (text: string) => {
      const now = performance.now();
      run.output += `${text}\n`;
      const goal = /(#\d+): attempt 1/.exec(text)?.[1] ?? "";
      if (/: attempt 1 claimed: /.test(text)) {
        if (Number.isNaN(run.firstClaimAt)) run.firstClaimAt = now;
        claimedAt.set(goal, now);
        pending++;
      }
      // Each cycle prints its claims, then one summary line.
      if (/ agent\(s\) here, /.test(text) && pending > 0) {
        run.claims.push(pending);
        pending = 0;
      }
      if (/: attempt 1: /.test(text)) {
        run.results++;
        run.lastResultAt = now;
        run.goalMs.push(now - (claimedAt.get(goal) ?? Number.NaN));
        if (!once && run.results === goals) child.kill("SIGINT");
      }
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const text of lines) line(text);
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((done, fail) => {
      child.on("error", fail);
      child.on("close", done);
    });
    if (code !== 0 || run.results !== goals) {
      throw new Error(
        `orchestrator bench: exit ${code}, ${run.results} of ${goals} results\n${run.output}${stderr}`,
      );
    }
    const failed = run.output.split("\n").filter((text) => /: attempt 1: (?!success)/.test(text));
    if (failed.length > 0) throw new Error(`orchestrator bench: not all succeeded\n${run.output}`);
    log.push = push;
    return run;
  } finally {
    await w.close();
  }
}

const count = (requests: readonly Stamped[], which: (e: RequestLogEntry) => boolean) =>
  requests.filter((r) => which(r.entry)).length;

export async function benchOrchestrator(): Promise<void> {
  const started = performance.now();
  const roundsNeeded = Math.ceil(GOALS / MAX);
  out(`\n### 9. The local orchestrator: ${GOALS} instant goals at --max ${MAX}\n`);
  out(
    `- the bundled CLI (dist/orchestrator) as a child process, each agent in its sandbox (the default), against the local GitHub API server and a bare git origin; the agent (test/agents/agent.mjs storm:success) commits a file of its own and exits; main has no required checks, so each pull request merges at once. Pace ${TEST_PACE_MS} ms (GOAL_ORCHESTRATOR_PACE_MS, the tests'); production pacing computed.`,
  );
  out(
    `- makespan: the first claim to the last result. ideal: ceil(${GOALS}/${MAX}) = ${roundsNeeded} rounds of the median goal's time in the same run (its claim to its result: clone, agent, push, pull request, merge, result), i.e. ${MAX} slots never idle and no time between rounds. ${RUNS} runs; the figure is the median run's.`,
  );
  out("");
  out("```");
  // Runs on a shared 2-core machine vary by a few hundredths: the figure is the median run's.
  const runs: Array<{ run: Run; ratio: number; makespanMs: number; goalMs: number }> = [];
  for (let index = 0; index < RUNS; index++) {
    const run = await runOrchestrator(GOALS, false);
    const makespanMs = run.lastResultAt - run.firstClaimAt;
    const goalMs = median(run.goalMs);
    runs.push({ run, ratio: makespanMs / (roundsNeeded * goalMs), makespanMs, goalMs });
  }
  runs.sort((a, b) => a.ratio - b.ratio);
  const middle = runs[Math.floor(runs.length / 2)];
  if (!middle) throw new Error("orchestrator bench: no run");
  const { run: full, makespanMs, goalMs } = middle;
  const idealMs = roundsNeeded * goalMs;
  out(
    `local orchestrator, ${GOALS} instant goals, --max ${MAX}: makespan ${middle.ratio.toFixed(2)}× ideal (median of ${RUNS} runs: ${runs.map((r) => `${r.ratio.toFixed(2)}×`).join(", ")}; median run ${seconds(makespanMs)}, ideal ${roundsNeeded} rounds of ${seconds(goalMs)}, ${seconds(idealMs)})`,
  );
  out(
    `local orchestrator, ${GOALS} instant goals, --max ${MAX}: claims per cycle ${runs.map((r) => r.run.claims.join(", ")).join(" | ")}`,
  );

  // Production pacing, computed from the request mix. One process, one pace, as GitHub asks of
  // one token: every mutating request of every goal and cycle starts at least a second after
  // the one before (src/github/client.ts; queries and other reads are not paced), so the run
  // takes at least as many seconds as it makes mutating requests.
  const inRun = full.requests.filter((r) => r.at >= full.firstClaimAt);
  const pacedInRun = count(inRun, isMutatingRequest);
  // One goal's own requests: a round of MAX goals alone (--once), after its claims.
  const round = await runOrchestrator(MAX, true);
  const afterClaims = round.requests.filter((r) => r.at >= round.firstClaimAt);
  const perGoalPaced = count(afterClaims, isMutatingRequest) / MAX;
  const pacedMakespan = Math.max(makespanMs / 1000, pacedInRun);
  // The ideal with production pacing: each goal paced on its own (as runner jobs, a process
  // each, are), so a round takes the goal's measured time plus its paced requests at 1 s each.
  const pacedRound = goalMs / 1000 + perGoalPaced;
  const pacedIdeal = roundsNeeded * pacedRound;
  out(
    `local orchestrator, ${GOALS} instant goals, --max ${MAX}, production pacing (computed): makespan ≥ ${(pacedMakespan / pacedIdeal).toFixed(2)}× ideal (≥ ${pacedMakespan.toFixed(0)} s, ${pacedInRun} mutating requests 1 s apart in one process; ideal ${roundsNeeded} rounds of ${pacedRound.toFixed(1)} s, each goal paced on its own)`,
  );
  out(
    `mutating (paced) requests per goal, one instant goal's run after its claim (measured): ${perGoalPaced.toFixed(1)}`,
  );
  out(
    `mutating (paced) requests per goal, ${GOALS} instant goals with their cycles (measured): ${(pacedInRun / GOALS).toFixed(1)}`,
  );
  out("```");
  out("");
  out(`- section wall time: ${formatMs(performance.now() - started)}`);
}
