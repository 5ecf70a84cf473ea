import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A runner's test clock (GOAL_ORCHESTRATOR_TEST_CLOCK, src/actions/test-clock.ts) in `dir`: with
 * `env` in a bundled action's environment, the agent's limits and the checkpoints go by
 * `advance` alone, and its App token cache sees real time plus what `advance` added (move the
 * server's `state.clock` alike).
 */
export function testClockFile(dir: string) {
  const file = join(dir, `clock-${Math.random().toString(36).slice(2)}`);
  let moved = 0;
  writeFileSync(file, "0");
  return {
    env: { GOAL_ORCHESTRATOR_TEST_CLOCK: file },
    advance(ms: number) {
      moved += ms;
      writeFileSync(file, String(moved));
    },
  };
}
