/**
 * The modes of test/agents/agent.mjs that report no valid cost, each with what the runner's
 * warning about it says (null: no stats at all, which is nothing to warn about). Each commits
 * its work and exits 0.
 */
export const INVALID_COSTS: ReadonlyArray<{ mode: string; warning: RegExp | null }> = [
  { mode: "cost:none", warning: null },
  { mode: "cost:-1", warning: /cost_usd is -1; accepted: a number from 0 to 10,000 \(USD\)/ },
  { mode: "cost:NaN", warning: /cost_usd is NaN; accepted: a number from 0 to 10,000 \(USD\)/ },
  {
    mode: "cost:1e12",
    warning: /cost_usd is 1000000000000; accepted: a number from 0 to 10,000 \(USD\)/,
  },
];

/** A run's cost, iterations and tokens as the runner records them when none can be trusted. */
export const UNKNOWN_FIGURES = {
  cost_usd: null,
  iterations: null,
  tokens: { input: null, output: null, cache_read: null, cache_create: null },
};
