// The storms `.ci/run` and `npm run soak` run, in one place so both mean the same thing.
import { PHASES } from "./phases.js";
import { DEFAULT_AGENT_WEIGHTS, type StormOptions } from "./storm.js";

/** Issue 11's storm: 20 % faults, agents at random, some runners killed at a random phase. */
export function seededStorm(seed: number, size: { goals: number; cycles: number }): StormOptions {
  return {
    seed,
    ...size,
    faultRate: 0.2,
    max: 4,
    maxAttempts: 2,
    dependencyChance: 0.3,
    agentWeights: DEFAULT_AGENT_WEIGHTS,
    killChance: 0.25,
    postStepChance: 0.5,
  };
}

/** `.ci/run`'s size: about 20 goals, 10 cycles. */
export const CI_STORM = { goals: 20, cycles: 10 };
/** The soak's size: 50 goals, 30 cycles. */
export const SOAK_STORM = { goals: 50, cycles: 30 };

/**
 * `kill -9` at every runner phase, with and without the post step: goal i's first attempt is
 * killed at PHASES[i mod 9], its post step runs for the first nine. No faults, so the jobs of a
 * cycle can run side by side. A goal whose agent's commits were only on the runner's disk when
 * it died (killed while working or pushing) fails its next attempt, so that attempt must have
 * kept them; the attempt after succeeds.
 */
export function killAtEveryPhase(seed: number): StormOptions {
  const unpushed = new Set<string>(["agent-working", "push"]);
  return {
    seed,
    goals: PHASES.length * 2,
    cycles: 4,
    faultRate: 0,
    max: PHASES.length * 2,
    maxAttempts: 3,
    dependencyChance: 0,
    agentWeights: DEFAULT_AGENT_WEIGHTS,
    killChance: 0,
    postStepChance: 0,
    parallel: 3,
    script: ({ index, attempt }) => {
      const phase = PHASES[index % PHASES.length] ?? null;
      if (attempt === 1) return { outcome: "success", phase, post: index < PHASES.length };
      if (attempt === 2 && phase && unpushed.has(phase)) return { outcome: "fail", phase: null };
      return { outcome: "success", phase: null };
    },
  };
}

/**
 * The dispatcher killed with `kill -9` as it moves its verified claims to running: in cycle 1
 * before the StartRuns request is performed (claims posted, goals still queued), in cycle 2
 * after it was performed and before its answer (goals running, but the matrix never came). Every
 * agent succeeds, so each goal must end done, having run once.
 */
export function killDispatcherAtStart(seed: number): StormOptions {
  return {
    seed,
    goals: 4,
    cycles: 5,
    faultRate: 0,
    max: 2,
    maxAttempts: 3,
    dependencyChance: 0,
    agentWeights: DEFAULT_AGENT_WEIGHTS,
    killChance: 0,
    postStepChance: 0,
    parallel: 2,
    dispatcherKills: { 1: "before", 2: "after" },
    script: () => ({ outcome: "success", phase: null }),
  };
}
