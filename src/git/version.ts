/**
 * The oldest git goal-orchestrator can use, and the check that the git on PATH is at least that,
 * run once per PATH before the first command.
 */
import { UserError } from "../core/errors.js";
import { spawnGit } from "./spawn.js";

/**
 * The oldest git that reads GIT_CONFIG_COUNT/KEY/VALUE (2.31). An older git ignores them without
 * a word: it would push without the token header, and run without the settings that keep hooks,
 * fsmonitor and ext:: URLs off.
 */
const MIN_GIT_VERSION = "2.31";

/** Why this `git --version` answer is not a git goal-orchestrator can use, or null when it is. */
export function gitVersionProblem(answer: string): string | null {
  const [major = 0, minor = 0] = MIN_GIT_VERSION.split(".").map(Number);
  const match = /^git version (\d+)\.(\d+)/.exec(answer.trim());
  const install = `install git ${MIN_GIT_VERSION} or newer (Ubuntu 20.04: add-apt-repository ppa:git-core/ppa, then apt-get install git) and put it first on PATH`;
  if (!match) return `Could not tell git's version from "${answer.trim()}": ${install}.`;
  const found = [Number(match[1]), Number(match[2])] as const;
  if (found[0] > major || (found[0] === major && found[1] >= minor)) return null;
  return `git ${found.join(".")} is too old: it ignores the token header (GIT_CONFIG_COUNT) and would push without it. ${install[0]?.toUpperCase()}${install.slice(1)}.`;
}

/** One check per PATH (each finds its own git), kept for the process once it has passed. */
const gitVersionChecks = new Map<string, Promise<void>>();

export async function checkGitVersion(cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const key = env.PATH ?? "";
  let check = gitVersionChecks.get(key);
  if (check === undefined) {
    check = spawnGit(["--version"], cwd, env).then((result) => {
      const problem = gitVersionProblem(result.stdout);
      if (problem) throw new UserError(problem);
    });
    gitVersionChecks.set(key, check);
    // Only a check that passed is kept: one that failed, or could not run, runs again next time.
    check.catch(() => gitVersionChecks.delete(key));
  }
  await check;
}
