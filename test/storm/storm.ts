// The storm: a world of goals driven by the bundled dispatcher and runner, cycle after cycle,
// while the server faults a share of all requests, agents succeed, fail or hang at random and
// runners die with `kill -9` at chosen phases, with or without their post step. After every
// step and every cycle the invariants (invariants.ts) are checked. Everything random comes
// from the seed (random.ts, and the server's seeded storm), so a seed replays the same storm.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { sandboxProblem } from "../../src/agent/sandbox.js";
import { DEFAULT_TICKET_SECONDS } from "../../src/core/dispatch-lock.js";
import { type Check, Checker, type JobRecord, readGoal, type Violation } from "./invariants.js";
import { processesWith, type Step, type StepResult, startStep } from "./jobs.js";
import { armPhase, PHASES, type Phase } from "./phases.js";
import { pick, pickWeighted, roll } from "./random.js";
import { boardLine, describe, lastLines, summary } from "./report.js";
import {
  createWorld,
  dispatchEnv,
  goalWorkspace,
  moveClock,
  OWNER,
  passCi,
  REPO,
  stepEnv,
  type World,
} from "./world.js";

const AGENT = resolve("test/agents/agent.mjs");

export const AGENT_OUTCOMES = ["success", "fail", "review", "hang", "nothing", "crash"] as const;
export type AgentOutcome = (typeof AGENT_OUTCOMES)[number];

export interface StormOptions {
  seed: number;
  goals: number;
  cycles: number;
  /** Chance of a fault per request (the server's seeded storm). */
  faultRate: number;
  /** The dispatcher's `max`. */
  max: number;
  maxAttempts: number;
  /** Chance that a goal depends on an earlier one. */
  dependencyChance: number;
  /** How agents behave, by weight (see test/agents/agent.mjs, mode storm:<outcome>). */
  agentWeights: Readonly<Record<AgentOutcome, number>>;
  /** Chance that a runner job is to be killed (at a phase drawn from PHASES). */
  killChance: number;
  /** Chance that a killed runner's post step still runs (else its VM died). */
  postStepChance: number;
  /**
   * Overrides the dice for a job: what its agent does, where it is killed, whether its post
   * step runs (the kill-at-every-phase scenarios script these).
   */
  script?: (job: JobKey & { index: number }) => Partial<JobPlan> | undefined;
  /**
   * Runner jobs of a cycle at once (default 1). More is faster, but the order of requests then
   * depends on timing, so with faults a seed no longer replays exactly the same storm.
   */
  parallel?: number;
  /**
   * Cycles whose dispatcher is killed (`kill -9`) as it moves its verified claims to running
   * (the StartRuns request): "before" it is performed, or "after" it was performed and before
   * its answer, so no matrix ever comes of those claims.
   */
  dispatcherKills?: Readonly<Record<number, "before" | "after">>;
  /** The runner's `duration` (a hanging agent is stopped after it). */
  duration?: string;
  /** Where the bundles are (default dist/). */
  dist?: string;
  /** Progress lines (a cycle's summary, each violation as found). */
  log?: (line: string) => void;
}

export interface JobKey {
  cycle: number;
  goal: number;
  attempt: number;
}

export interface JobPlan {
  outcome: AgentOutcome;
  phase: Phase | null;
  post: boolean;
}

export interface StormFigures {
  seed: number;
  requests: number;
  faults: number;
  dispatches: number;
  dispatchFailures: number;
  runs: number;
  kills: number;
  /** Dispatchers killed at their StartRuns request (dispatcherKills). */
  dispatcherKills: number;
  /** Dispatchers that waited for a killed one's ticket on the lock to expire (on the test clock). */
  deadTicketWaits: number;
  postSteps: number;
  done: number;
  stuck: number;
  spotCheck: number;
  queued: number;
  running: number;
  draft: number;
  /** Queued goals that wait on a stuck dependency. */
  blocked: number;
  /** Queued goals with a dependency not done (stuck, awaiting review, or itself waiting). */
  waiting: number;
  /** Times a queued dependent of a stuck goal was checked for its blocked marker. */
  blockedChecks: number;
  violations: number;
  seconds: number;
}

export interface StormReport {
  figures: StormFigures;
  violations: Violation[];
  /** The goals at the end: state, attempts used, pull requests. */
  board: string[];
  /** Each kill that happened: `<phase>` plus ` +post` when the post step ran. */
  kills: string[];
}

export const DEFAULT_AGENT_WEIGHTS: Readonly<Record<AgentOutcome, number>> = {
  success: 50,
  fail: 20,
  review: 8,
  hang: 8,
  nothing: 7,
  crash: 7,
};

/** Long enough for a working agent under load; a hanging one costs this much. */
const DEFAULT_DURATION = "5s";
const STEP_LIMIT_MS = { dispatch: 180_000, main: 120_000, post: 60_000 };

export async function runStorm(options: StormOptions): Promise<StormReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const world = await createWorld(options);
  const storm: Storm = {
    world,
    options,
    log,
    isolation: (await sandboxProblem()) ? "none" : "sandbox",
    checker: new Checker(world, options.seed, options),
    jobs: [],
    handedOut: new Map(),
    dependsOn: new Map(world.goals.map((goal) => [goal.number, goal.dependsOn])),
    figures: {
      dispatches: 0,
      dispatchFailures: 0,
      runs: 0,
      kills: 0,
      postSteps: 0,
      dispatcherKills: 0,
      deadTicketWaits: 0,
    },
    deadHolder: false,
  };
  const ciChecked = new Set<string>();
  try {
    world.server.faults.storm({ seed: options.seed, rate: options.faultRate });
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const { checker } = storm;
      checker.cycle = cycle;
      const known = checker.violations.length;
      // One workflow run: the dispatch job, the runner jobs of its matrix, then it ends.
      const runId = 7000 + cycle;
      world.server.addWorkflowRun(OWNER, REPO, { id: runId, status: "in_progress" });
      const matrix = await dispatchJob(storm, cycle, runId);
      // One after another by default, so the order of requests, and with it the server's
      // faults, follows from the seed.
      await inPool(matrix, options.parallel ?? 1, async (entry) => {
        const job = await runJob(storm, { cycle, runId, ...entry });
        storm.jobs.push(job);
        storm.figures.runs++;
        if (job.killed) storm.figures.kills++;
        if (job.post) storm.figures.postSteps++;
      });
      world.server.addWorkflowRun(OWNER, REPO, {
        id: runId,
        status: "completed",
        conclusion: "success",
      });
      await passCi(world, ciChecked);
      checker.afterStep(`cycle ${cycle} end`);
      await checker.workLost(storm.jobs);
      for (const v of checker.violations.slice(known)) log(`  VIOLATION ${describe(v)}`);
      log(
        `cycle ${cycle}: ${summary(checker.views())}; claimed ${matrix.map((e) => `#${e.goal}/${e.attempt}`).join(" ") || "nothing"}`,
      );
    }
    const report = reportOf(storm, started);
    if (world.server.violations.length > 0) {
      throw new Error(
        `the local GitHub API server saw contract violations:\n- ${world.server.violations.join("\n- ")}`,
      );
    }
    return report;
  } finally {
    world.server.faults.calm();
    await world.close();
  }
}

/** One storm's state, shared by its cycles and jobs. */
interface Storm {
  world: World;
  options: StormOptions;
  log: (line: string) => void;
  isolation: "none" | "sandbox";
  checker: Checker;
  jobs: JobRecord[];
  /** `goal:attempt` → the cycle whose matrix handed it out. */
  handedOut: Map<string, number>;
  dependsOn: Map<number, number[]>;
  figures: Pick<
    StormFigures,
    | "dispatches"
    | "dispatchFailures"
    | "runs"
    | "kills"
    | "postSteps"
    | "dispatcherKills"
    | "deadTicketWaits"
  >;
  /** A dispatcher was killed holding the dispatch lock, and no dispatcher has waited out its ticket yet. */
  deadHolder: boolean;
}

/** The dispatch job of a cycle, and the checks that follow it. Returns its matrix. */
async function dispatchJob(storm: Storm, cycle: number, runId: number): Promise<MatrixEntry[]> {
  const { world, options, checker, log } = storm;
  const stuckBefore = new Set(
    checker
      .views()
      .filter((v) => v.stateLabels[0] === "goal:stuck")
      .map((v) => v.number),
  );
  const step = startStep(
    "dispatch",
    {
      token: world.token,
      repository: "",
      max: String(options.max),
      duration: options.duration ?? DEFAULT_DURATION,
      "max-attempts": String(options.maxAttempts),
    },
    dispatchEnv(world, runId),
    { timeoutMs: STEP_LIMIT_MS.dispatch, ...dist(options) },
  );
  const killAt = options.dispatcherKills?.[cycle];
  const disarm = killAt
    ? world.server.faults.hook({
        route: "graphql",
        graphqlOperation: "StartRuns",
        at: killAt,
        drop: true,
        run: async () => {
          step.kill();
          await step.done;
          storm.deadHolder = true;
        },
      })
    : null;
  // The dead holder's ticket outlives it by its life: a dispatcher that waits for it looks at the
  // lock again (the DispatchLock query) until it expires. That wait passes on the dispatchers'
  // clock, not in real time: at the first look, the ticket's life has gone by.
  const outlive = storm.deadHolder
    ? world.server.faults.hook({
        route: "graphql",
        graphqlOperation: "DispatchLock",
        at: "before",
        run: () => {
          storm.deadHolder = false;
          storm.figures.deadTicketWaits++;
          moveClock(world, DEFAULT_TICKET_SECONDS * 1000);
        },
      })
    : null;
  const dispatch = await step.done;
  disarm?.();
  outlive?.();
  storm.figures.dispatches++;
  if (dispatch.killed) storm.figures.dispatcherKills++;
  if (dispatch.ms > 60_000) {
    log(`  the dispatch took ${Math.round(dispatch.ms / 1000)} s: ${lastLines(dispatch)}`);
  }
  const views = checker.afterStep(`cycle ${cycle} dispatch`);
  if (dispatch.timedOut) hung(checker, null, "the dispatcher", dispatch);
  // Dispatch jobs here never overlap, so a cycle that waited out the lock found a ticket that
  // outlived its holder, and reconciled nothing.
  const lockless = /Another dispatch cycle was still running/.test(dispatch.stdout);
  if (lockless) {
    checker.report(
      "dispatch-lock-stalled",
      null,
      `the dispatcher waited ${Math.round(dispatch.ms / 1000)} s for the dispatch lock, though no other dispatcher was running, and claimed nothing`,
      String(cycle),
    );
  }
  if (dispatch.code !== 0) {
    // As on GitHub: the matrix jobs of a failed dispatch job never start.
    storm.figures.dispatchFailures++;
    log(`  dispatch failed (${dispatch.code ?? dispatch.signal}): ${lastLines(dispatch)}`);
    return [];
  }
  const matrix = matrixOf(dispatch);
  if (!lockless) {
    checker.afterDispatch(views, runId, stuckBefore, storm.dependsOn, dispatch.stdout);
    checker.afterMatrix(matrix, storm.handedOut);
  }
  return matrix;
}

/** The figures and the board once the storm is over. */
function reportOf(storm: Storm, started: number): StormReport {
  const { world, checker, options, dependsOn } = storm;
  const views = checker.views();
  const count = (name: string) => views.filter((v) => v.stateLabels[0] === `goal:${name}`).length;
  const inState = (name: string) =>
    new Set(views.filter((v) => v.stateLabels[0] === `goal:${name}`).map((v) => v.number));
  const stuck = inState("stuck");
  const done = inState("done");
  return {
    figures: {
      seed: options.seed,
      requests: world.server.requests.length,
      faults: world.server.faults.stormStats?.faults ?? 0,
      ...storm.figures,
      done: count("done"),
      stuck: count("stuck"),
      spotCheck: count("spot-check"),
      queued: count("queued"),
      running: count("running"),
      draft: count("draft"),
      blocked: views.filter(
        (v) =>
          v.stateLabels[0] === "goal:queued" &&
          (dependsOn.get(v.number) ?? []).some((d) => stuck.has(d)),
      ).length,
      waiting: views.filter(
        (v) =>
          v.stateLabels[0] === "goal:queued" &&
          (dependsOn.get(v.number) ?? []).some((d) => !done.has(d)),
      ).length,
      blockedChecks: checker.blockedChecked,
      violations: checker.violations.length,
      seconds: Math.round((Date.now() - started) / 1000),
    },
    violations: checker.violations,
    board: views.map((view) => boardLine(view, dependsOn.get(view.number) ?? [])),
    kills: storm.jobs
      .filter((job) => job.killed)
      .map((job) => `${job.phase}${job.post ? " +post" : ""}`),
  };
}

interface MatrixEntry {
  goal: number;
  attempt: number;
}

function matrixOf(result: StepResult): MatrixEntry[] {
  const parsed = JSON.parse(result.outputs.matrix || '{"include":[]}') as {
    include: MatrixEntry[];
  };
  return parsed.include.map((entry) => ({ goal: entry.goal, attempt: entry.attempt }));
}

interface JobContext {
  cycle: number;
  runId: number;
  goal: number;
  attempt: number;
}

/** The dice (or the script) for one job. */
function planJob(options: StormOptions, job: JobKey & { index: number }): JobPlan {
  const { seed } = options;
  const plan: JobPlan = {
    outcome: pickWeighted(options.agentWeights, seed, "agent", job.goal, job.attempt),
    phase:
      roll(seed, "kill", job.cycle, job.goal, job.attempt) < options.killChance
        ? pick(PHASES, seed, "phase", job.cycle, job.goal, job.attempt)
        : null,
    post: roll(seed, "post", job.cycle, job.goal, job.attempt) < options.postStepChance,
  };
  Object.assign(plan, options.script?.(job));
  // A kill while the agent works needs an agent that works long enough.
  if (plan.phase === "agent-working") plan.outcome = "hang";
  // Only a dead VM skips the post step.
  if (!plan.phase) plan.post = true;
  return plan;
}

/** One runner job: main step (maybe killed at its phase), then the post step unless the VM died. */
async function runJob(storm: Storm, context: JobContext): Promise<JobRecord> {
  const { world, options, checker } = storm;
  const { goal, attempt, cycle } = context;
  const index = world.goals.findIndex((g) => g.number === goal);
  const plan = planJob(options, { cycle, goal, attempt, index });
  const env = stepEnv(world, context.runId);
  const inputs = {
    token: world.token,
    repository: "",
    goal: String(goal),
    attempt: String(attempt),
    "agent-command": `"${process.execPath}" "${AGENT}" storm:${plan.outcome} --goal={goal_file}`,
    "agent-read-paths": dirname(AGENT),
    isolation: storm.isolation,
    "clone-url": world.originDir,
    "workspace-root": world.workspaceRoot,
    "log-dir": world.logDir,
    duration: options.duration ?? DEFAULT_DURATION,
    "max-attempts": String(options.maxAttempts),
  };
  const viewBefore = readGoal(world, goal);

  // The main step, killed (its whole process group, at once) when its phase comes.
  const lines: string[] = [];
  let step: Step | null = null;
  const kill = async () => {
    step?.kill();
    await Promise.race([step?.done, new Promise((done) => setTimeout(done, 5000))]);
  };
  const armed = plan.phase ? armPhase(world, goal, plan.phase, kill) : null;
  step = startStep("run", inputs, env, {
    timeoutMs: STEP_LIMIT_MS.main,
    ...dist(options),
    onLine: (line) => {
      lines.push(line);
      armed?.onLine(line);
    },
  });
  const main = await step.done;
  armed?.disarm();
  const killed = armed?.fired() ?? false;
  if (main.timedOut) hung(checker, goal, `attempt ${attempt}'s runner (main step)`, main);
  // As a VM that dies takes its processes along: the agent's sandbox must die with its runner.
  const survivors = await agentsLeft(world, goal);
  const afterMain = checker.afterStep(`cycle ${cycle} #${goal} main step`);

  // The post step, as GitHub runs it after the main step ended or died; not when the VM died.
  let post: StepResult | null = null;
  if (!killed || plan.post) {
    post = await startStep("run", inputs, env, {
      state: main.state,
      timeoutMs: STEP_LIMIT_MS.post,
      ...dist(options),
    }).done;
    if (post.timedOut) hung(checker, goal, `attempt ${attempt}'s post step`, post);
  }
  const job = jobRecord(world, context, plan, { lines, main, post, killed });
  storm.log(
    `  #${goal}/${attempt}: agent ${plan.outcome}${job.agentStarted ? "" : " (never started)"}, ${
      plan.phase ? `${killed ? "killed" : "not reached"} at ${plan.phase}, ` : ""
    }${job.outcome} (${main.ms} ms)${post ? `, post step ${post.code === 0 ? "ok" : `exit ${post.code}`} (${post.ms} ms)` : ", no post step"} → ${readGoal(
      world,
      goal,
    ).stateLabels.join("+")}`,
  );
  const view = post
    ? checker.afterStep(`cycle ${cycle} #${goal} post step`).find((v) => v.number === goal)
    : afterMain.find((v) => v.number === goal);
  checker.afterJob(job, viewBefore, view ?? readGoal(world, goal), survivors);
  return job;
}

/** What the harness keeps of a job: what its agent did (from its lines) and how its steps ended. */
function jobRecord(
  world: World,
  context: JobContext,
  plan: JobPlan,
  ran: { lines: string[]; main: StepResult; post: StepResult | null; killed: boolean },
): JobRecord {
  const { goal, attempt } = context;
  const { main, post, killed } = ran;
  const agentLog = join(world.logDir, `${OWNER}-${REPO}-${goal}-${attempt}.log`);
  return {
    cycle: context.cycle,
    runId: context.runId,
    goal,
    attempt,
    agentStarted:
      existsSync(agentLog) || ran.lines.some((line) => /agent: storm:\w+ for goal/.test(line)),
    commits: ran.lines.flatMap((line) => {
      const match = /agent: committed ([0-9a-f]{40}) for goal (\d+) attempt (\d+)/.exec(line);
      return match && Number(match[2]) === goal ? [match[1] as string] : [];
    }),
    phase: plan.phase,
    killed,
    post: post !== null,
    mainCode: main.code,
    postCode: post?.code ?? null,
    endedOnItsOwn: !main.killed && !main.timedOut,
    outcome: main.outputs.outcome ?? (killed ? "killed" : `exit ${main.code}`),
  };
}

/** Agent processes of a goal still alive 3 s after its runner ended (then killed, as on a dead VM). */
async function agentsLeft(world: World, goal: number): Promise<number[]> {
  const marker = join(goalWorkspace(world, goal), "run");
  const deadline = Date.now() + 3000;
  let alive = processesWith(marker);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    alive = processesWith(marker);
  }
  for (const pid of alive) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return alive;
}

/** Runs `work` for every item, at most `limit` at a time, in order of start. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const dist = (options: StormOptions) => (options.dist ? { dist: options.dist } : {});

function hung(checker: Checker, goal: number | null, who: string, result: StepResult): void {
  checker.report(
    "step-hung",
    goal,
    `${who} ran past its time limit and was killed: ${lastLines(result)}`,
  );
}

export type { Check, Violation };
export { describe };
