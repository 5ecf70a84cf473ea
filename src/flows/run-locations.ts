import { homedir } from "node:os";
import { join } from "node:path";
import { defaultStateDir } from "./run-stats.js";

/** Where a runner keeps things on its machine when not told otherwise (design §6, §7). */
export interface RunnerLocations {
  /** Goal clones: `<root>/<owner>/<repo>/<goal>`. */
  workspaceRoot: string;
  /** `<owner>-<repo>-<goal>-<attempt>.log`, which watch-ralphs reads. */
  logDir: string;
  /** The runner's stats.jsonl. */
  statsFile: string;
}

export function runnerLocations(env: NodeJS.ProcessEnv): RunnerLocations {
  const home = env.HOME || homedir();
  const cacheHome = env.XDG_CACHE_HOME || join(home, ".cache");
  const stateDir = defaultStateDir(env);
  return {
    workspaceRoot: join(cacheHome, "goal-orchestrator", "workspaces"),
    logDir: join(stateDir, "logs"),
    statsFile: join(stateDir, "stats.jsonl"),
  };
}
