// One storm's world: the local GitHub API server with acme/widgets (a bare git repository as
// origin, a required "ci" check on main, auto-merge allowed), the maintainer whose token every
// step uses, the goals, and the folders a self-hosted runner machine keeps between jobs.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LABELS } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import {
  createBareRepository,
  type GitHubServer,
  startGitHubServer,
} from "../../tools/github-server/index.js";
import { refreshPull } from "../../tools/github-server/pulls.js";
import { connectAs, GOAL_BODY, TEST_PACE_MS } from "../helpers/github-fixture.js";
import { roll } from "./random.js";

const exec = promisify(execFile);
export const OWNER = "acme";
export const REPO = "widgets";
export const LOGIN = "maintainer";

export interface GoalInfo {
  number: number;
  title: string;
  /** Goals named on its `Depends:` line. */
  dependsOn: number[];
}

export interface World {
  server: GitHubServer;
  /** The bare repository GitHub serves and the runners push to. */
  originDir: string;
  token: string;
  /** Where this world's runner machine keeps its workspaces, logs and state. */
  dir: string;
  workspaceRoot: string;
  logDir: string;
  /** Where origin's pre-receive hook and the harness meet (see armPush). */
  pushHookDir: string;
  goals: GoalInfo[];
  /** Markers from these logins count (the orchestrator's identities), lower case. */
  trusted: ReadonlySet<string>;
  /**
   * The dispatch steps' GOAL_ORCHESTRATOR_TEST_CLOCK (src/actions/test-clock.ts): their time, and
   * their dispatch lock's, is real time plus what `moveClock` added, as the server's.
   */
  clockFile: string;
  /** Milliseconds `moveClock` has moved the dispatchers' and the server's time so far. */
  movedMs: number;
  close(): Promise<void>;
}

export interface WorldOptions {
  seed: number;
  goals: number;
  /** Chance that a goal depends on one earlier goal. */
  dependencyChance: number;
}

/** A fresh world with `goals` queued goals, some depending on earlier ones. */
export async function createWorld(options: WorldOptions): Promise<World> {
  const server = await startGitHubServer();
  const origin = await createBareRepository("main");
  const dir = mkdtempSync(join(tmpdir(), "goal-storm-"));
  server.createRepository({
    owner: OWNER,
    name: REPO,
    gitDir: origin.gitDir,
    allowAutoMerge: true,
    defaultPermission: "read",
  });
  // Pull requests wait for CI, which the harness plays between cycles (passCi).
  await server.setRequiredChecks(OWNER, REPO, "main", ["ci"]);
  server.setPermission(OWNER, REPO, LOGIN, "write");
  const { store, token } = await connectAs(server, { owner: OWNER, repo: REPO }, LOGIN);
  await store.ensureLabels(LABELS);

  const goals: GoalInfo[] = [];
  for (let i = 1; i <= options.goals; i++) {
    const title = `Storm goal ${i}`;
    const dependency =
      roll(options.seed, "depends", i) < options.dependencyChance
        ? goals[Math.floor(roll(options.seed, "dependency", i) * goals.length)]
        : undefined;
    const dependsOn = dependency ? [dependency.number] : [];
    const created = await createGoal(store, {
      title,
      body: GOAL_BODY,
      depends: dependsOn.map(String),
      queue: true,
      spotCheck: false,
    });
    goals.push({ number: created.number, title, dependsOn });
  }

  const pushHookDir = join(dir, "push-hook");
  mkdirSync(pushHookDir);
  installPushHook(origin.gitDir, pushHookDir);
  const world: World = {
    server,
    originDir: origin.gitDir,
    token,
    dir,
    workspaceRoot: join(dir, "ralphs"),
    logDir: join(dir, "logs"),
    pushHookDir,
    goals,
    trusted: new Set([LOGIN, "github-actions[bot]"]),
    clockFile: join(dir, "clock"),
    movedMs: 0,
    close: async () => {
      await server.close();
      rmSync(origin.root, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  writeFileSync(world.clockFile, "0");
  return world;
}

/**
 * Moves time `ms` forward, without waiting, for the server (`state.clock`) and the dispatch
 * steps alike, so that a dispatcher's claims and tickets and GitHub's timestamps stay on one
 * clock. Runner steps keep real time: their agents' limits must not jump.
 */
export function moveClock(world: World, ms: number): void {
  world.server.state.clock.advance(ms);
  world.movedMs += ms;
  writeFileSync(world.clockFile, String(world.movedMs));
}

/** The environment of every step: the workflow's, with this world's API and runner folders. */
export function stepEnv(world: World, runId: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(world.dir, "home"),
    XDG_STATE_HOME: join(world.dir, "state"),
    GITHUB_API_URL: world.server.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_RUN_ID: String(runId),
    GOAL_ORCHESTRATOR_PACE_MS: String(TEST_PACE_MS),
  };
}

/** A dispatch step's environment: every step's, on the clock `moveClock` moves. */
export function dispatchEnv(world: World, runId: number): NodeJS.ProcessEnv {
  return { ...stepEnv(world, runId), GOAL_ORCHESTRATOR_TEST_CLOCK: world.clockFile };
}

/** Where a goal's workspaces live on the runner machine (its own and half-made clones). */
export function goalWorkspace(world: World, goal: number): string {
  return join(world.workspaceRoot, OWNER, REPO, String(goal));
}

/**
 * Origin's pre-receive hook: a push to the branch of a goal the harness armed (a file
 * `arm-<goal>`) announces itself (`pushing-<goal>`) and waits for a verdict (`verdict-<goal>`:
 * accept or reject), so the harness can kill the runner while its push is under way; the
 * harness then rejects it, as a push cut off by a dying VM never lands.
 */
function installPushHook(gitDir: string, hookDir: string): void {
  const hook = join(gitDir, "hooks", "pre-receive");
  writeFileSync(
    hook,
    `#!/bin/sh
dir='${hookDir}'
status=0
while read old new ref; do
  case "$ref" in refs/heads/goal/*) ;; *) continue ;; esac
  goal=\${ref#refs/heads/goal/}
  goal=\${goal%%-*}
  [ -e "$dir/arm-$goal" ] || continue
  rm -f "$dir/arm-$goal"
  echo $$ > "$dir/pushing-$goal"
  i=0
  while [ ! -e "$dir/verdict-$goal" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
  verdict=$(cat "$dir/verdict-$goal" 2>/dev/null)
  rm -f "$dir/verdict-$goal" "$dir/pushing-$goal"
  if [ "$verdict" = reject ]; then echo "storm: the runner died during this push" >&2; status=1; fi
done
exit $status
`,
  );
  chmodSync(hook, 0o755);
}

/** The branches of origin and their commits. */
export async function originRefs(world: World): Promise<Map<string, string>> {
  const { stdout } = await exec("git", [
    "--git-dir",
    world.originDir,
    "for-each-ref",
    "--format=%(refname) %(objectname)",
    "refs/heads",
  ]);
  return new Map(
    stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ") as [string, string]),
  );
}

/** True when `sha` is a commit that some branch of origin contains. */
export async function onOrigin(world: World, sha: string): Promise<boolean> {
  try {
    const { stdout } = await exec("git", [
      "--git-dir",
      world.originDir,
      "for-each-ref",
      "--contains",
      sha,
      "--format=%(refname)",
      "refs/heads",
    ]);
    return stdout.trim() !== "";
  } catch {
    return false; // origin does not even have the commit
  }
}

/** True when a repository in the goal's workspace still holds commit `sha` (salvageable). */
export async function onDisk(world: World, goal: number, sha: string): Promise<boolean> {
  const root = goalWorkspace(world, goal);
  for (const repo of [join(root, "work"), join(root, "trusted")]) {
    try {
      await exec("git", ["-C", repo, "cat-file", "-e", `${sha}^{commit}`]);
      return true;
    } catch {
      // not there
    }
  }
  return false;
}

/** Plays CI: every open pull request's new head commit gets a passing "ci" check. */
export async function passCi(world: World, checked: Set<string>): Promise<number> {
  const repo = world.server.state.requireRepo(OWNER, REPO);
  let added = 0;
  for (const issue of [...repo.issues.values()]) {
    const pull = issue.pull;
    if (!pull || issue.state !== "open") continue;
    await refreshPull(issue); // the head may have moved since GitHub last looked
    if (checked.has(pull.headSha)) continue;
    checked.add(pull.headSha);
    await world.server.addCheckRun(OWNER, REPO, {
      headSha: pull.headSha,
      name: "ci",
      conclusion: "success",
      output: { title: "all tests passed", summary: "storm CI" },
    });
    added++;
  }
  return added;
}
