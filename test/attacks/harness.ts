// The attack world, built on the shared test world (test/helpers/world.ts: the local GitHub API
// server, acme/widgets and its bare repository, the maintainer, a scratch folder): an HTTP
// smart-git origin that wants the token, an attacker server and an attacker git proxy, a runner
// user (nobody, when the tests run as root) with a real HOME full of canaries, an installed copy
// of dist/run, another goal's workspace, and the hostile agents of test/attacks/agents/.
// `runGoal` runs the bundled runner action (main step, then post step) on a goal with one hostile
// agent; `assertNoBreach` (harness-breach.ts) is what every test checks afterwards.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach } from "node:test";
import type { RepoRef } from "../../src/core/issue-ref.js";
import type { GitHubClient } from "../../src/github/client.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import type { createBareRepository, GitHubServer } from "../../tools/github-server/index.js";
import { TEST_PACE_MS } from "../helpers/github-fixture.js";
import { startWorld as startTestWorld, type TestWorld } from "../helpers/world.js";
import { type CanarySnapshot, killAgentProcesses, snapshotCanaries } from "./harness-breach.js";
import {
  type Recorder,
  startAttackerProxy,
  startAttackerServer,
  startGitOrigin,
} from "./harness-servers.js";
import { giveToRunner, runStep, type StepResult } from "./harness-step.js";

/** A goal whose workspace sits beside the attacked one's (never run: a canary). */
export const OTHER_GOAL = 999;
const AGENTS_SOURCE = resolve("test/attacks/agents");
/** The runner bundle under test: dist/run, or another build of it (ATTACK_BUNDLE_DIR). */
const BUNDLE_SOURCE = resolve(process.env.ATTACK_BUNDLE_DIR || "dist/run");

export type Isolation = "sandbox" | "none";

export {
  claimedGoal,
  commitToMain,
  filesOn,
  goalBranch,
  pullsOf,
  runResults,
  stateLabels,
  testGit,
} from "./harness-repo.js";

/** Why sandbox tests cannot run here (bwrap missing), or null. */
export function sandboxMissing(): string | null {
  const found = spawnSync("sh", ["-c", "command -v bwrap"], { encoding: "utf8" });
  return found.status === 0
    ? null
    : "bwrap (bubblewrap) is not installed: isolation: sandbox cannot run here";
}

/** The isolations a family runs under, each with its describe's options (sandbox: skipped without bwrap). */
export function isolations(
  ...modes: Isolation[]
): Array<{ isolation: Isolation; options: { skip: string | false } }> {
  return modes.map((isolation) => ({
    isolation,
    options: { skip: isolation === "sandbox" ? (sandboxMissing() ?? false) : false },
  }));
}

/**
 * For a test file's top level: registers an afterEach that closes (with closeWorld) the world
 * the test started, and returns what starts it.
 */
export function worldPerTest(): (options?: { app?: boolean }) => Promise<World> {
  let current: World | undefined;
  afterEach(async () => {
    const world = current;
    current = undefined;
    if (world) await closeWorld(world);
  });
  return async (options) => {
    current = await startWorld(options);
    return current;
  };
}

export interface WorldPaths {
  dir: string;
  /** The runner user's real HOME, full of canaries. */
  home: string;
  /** Where the action is installed (a copy of dist/run at dist/run). */
  install: string;
  bundle: string;
  /** The hostile agents, copied; listed in agent-read-paths. */
  agents: string;
  workspaceRoot: string;
  logDir: string;
  stateHome: string;
  runnerTemp: string;
  /** The step's working directory (GITHUB_WORKSPACE). */
  runnerWork: string;
  /** Files outside every clone that only a write through a link could change. */
  canary: string;
  /** Another goal's workspace, beside the attacked one. */
  otherWorkspace: string;
}

export interface World {
  /**
   * The shared test world (test/helpers/world.ts) this one is built on: the GitHub API server,
   * acme/widgets with its bare repository, the maintainer, and the scratch folder that holds
   * everything of `paths`. Its close() checks the server's contract.
   */
  base: TestWorld;
  server: GitHubServer;
  bare: Awaited<ReturnType<typeof createBareRepository>>;
  repo: RepoRef;
  /** The HTTP origin; `originUrl` is the repository's clone URL there. */
  origin: Recorder;
  originUrl: string;
  attacker: Recorder;
  proxy: Recorder;
  /** The maintainer's, or the App's when the world has one: the claims' author. */
  client: GitHubClient;
  store: GitHubGoalStore;
  /** The maintainer's token: the workflow's GITHUB_TOKEN and the token input. */
  token: string;
  app: { appId: number; pem: string } | null;
  /** Secrets of the runner's environment besides the token and the App key. */
  secrets: { actionsRuntimeToken: string; idTokenRequestToken: string; secretThing: string };
  paths: WorldPaths;
  /** Canary files as they were before any run. */
  canaries: CanarySnapshot;
  runs: AttackRun[];
}

const secret = (prefix: string) => `${prefix}${randomBytes(20).toString("hex")}`;

function runnerDir(path: string, mode = 0o755) {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  giveToRunner(path);
}

function writeRunnerFile(path: string, content: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

export async function startWorld(options: { app?: boolean } = {}): Promise<World> {
  if (!existsSync(join(BUNDLE_SOURCE, "index.js"))) {
    throw new Error(`No runner bundle at ${BUNDLE_SOURCE}: run npm run bundle first.`);
  }
  // What was started so far, undone if the world cannot be finished.
  const undo: (() => unknown)[] = [];
  try {
    return await buildWorld(options, undo);
  } catch (error) {
    for (const step of undo.reverse()) await step();
    throw error;
  }
}

async function buildWorld(options: { app?: boolean }, undo: (() => unknown)[]): Promise<World> {
  const base = await startTestWorld({ keep: Boolean(process.env.ATTACK_KEEP) });
  undo.push(() => base.close());
  const { server, bare, repo } = base;
  let { client, store } = base;
  let app: World["app"] = null;
  if (options.app) {
    // The dispatcher claims as the App too: its claims are the ones the runner trusts.
    const installed = await base.installApp();
    ({ client, store } = installed);
    app = { appId: installed.appId, pem: installed.pem };
  }
  const accepts = (token: string) => {
    if (server.state.userByToken(token)) return true;
    return typeof server.state.apps.tokenViewer(token) === "object";
  };
  const repoPath = `/${repo.owner}/${repo.repo}.git`;
  const origin = await startGitOrigin({ [repoPath]: bare.gitDir }, accepts, {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  });
  undo.push(() => origin.close());
  const originUrl = `${origin.url}${repoPath}`;
  const attacker = await startAttackerServer();
  undo.push(() => attacker.close());
  const proxy = await startAttackerProxy(origin.url);
  undo.push(() => proxy.close());

  // The world's folder: the runner user must reach what is given to it below.
  const dir = base.dir;
  chmodSync(dir, 0o755);
  const paths: WorldPaths = {
    dir,
    home: join(dir, "home"),
    install: join(dir, "install"),
    bundle: join(dir, "install", "dist", "run", "index.js"),
    agents: join(dir, "agents"),
    workspaceRoot: join(dir, "workspaces"),
    logDir: join(dir, "logs"),
    stateHome: join(dir, "state"),
    runnerTemp: join(dir, "runner-temp"),
    runnerWork: join(dir, "runner-work"),
    canary: join(dir, "canary"),
    otherWorkspace: join(dir, "workspaces", repo.owner, repo.repo, String(OTHER_GOAL)),
  };
  // The runner user's HOME, as a runner machine has it.
  writeRunnerFile(
    join(paths.home, ".gitconfig"),
    "[user]\n\tname = Runner\n\temail = runner@example.com\n",
  );
  writeRunnerFile(join(paths.home, ".bashrc"), "# the runner's shell setup\n");
  writeRunnerFile(join(paths.home, ".profile"), "# the runner's login setup\n");
  writeRunnerFile(join(paths.home, ".ssh", "authorized_keys"), "ssh-ed25519 AAAAC3NzaC1 admin\n");
  runnerDir(paths.home, 0o700);
  // The action, installed as the runner installs actions (owned by the runner user).
  cpSync(BUNDLE_SOURCE, join(paths.install, "dist", "run"), { recursive: true });
  writeFileSync(join(paths.install, "action.yml"), readFileSync("actions/run/action.yml"));
  runnerDir(paths.install);
  // The hostile agents: readable by everyone, writable by no one but root.
  cpSync(AGENTS_SOURCE, paths.agents, { recursive: true });
  chmodSync(paths.agents, 0o755);
  for (const name of readdirSync(paths.agents)) chmodSync(join(paths.agents, name), 0o644);
  for (const path of [paths.workspaceRoot, paths.logDir, paths.stateHome, paths.runnerTemp]) {
    runnerDir(path);
  }
  runnerDir(paths.runnerWork);
  writeRunnerFile(join(paths.canary, "goal-target.txt"), "canary: a file outside every clone\n");
  writeRunnerFile(join(paths.canary, "goal-target-2.txt"), "canary: another one\n");
  runnerDir(paths.canary);
  // Another goal's workspace (its clone and goal file), which no run of this goal may touch.
  for (const work of [join(paths.otherWorkspace, "work"), paths.otherWorkspace]) {
    writeRunnerFile(join(work, "canary.txt"), "another goal's work\n");
    writeRunnerFile(join(work, ".git", "config"), "[core]\n\tbare = false\n");
  }
  writeRunnerFile(join(paths.otherWorkspace, "goal.md"), "# Goal #999: another goal\n");
  runnerDir(paths.workspaceRoot);

  const world: World = {
    base,
    server,
    bare,
    repo,
    origin,
    originUrl,
    attacker,
    proxy,
    client,
    store,
    token: base.token,
    app,
    secrets: {
      actionsRuntimeToken: secret("actions-runtime-"),
      idTokenRequestToken: secret("id-token-request-"),
      secretThing: secret("job-secret-"),
    },
    paths,
    canaries: new Map(),
    runs: [],
  };
  world.canaries = snapshotCanaries(world);
  return world;
}

export async function closeWorld(world: World): Promise<void> {
  for (const run of world.runs) killAgentProcesses(run.nonce);
  await world.origin.close();
  await world.attacker.close();
  await world.proxy.close();
  try {
    await world.base.close(); // fails on a contract violation of the server's, after tearing down
  } finally {
    if (process.env.ATTACK_KEEP) {
      console.log(`[attacks] kept ${world.paths.dir} and origin ${world.bare.gitDir}`);
    }
    for (const name of readdirSync(tmpdir())) {
      if (world.runs.some((run) => name.includes(run.nonce))) {
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
      }
    }
  }
}

export interface AttackOptions {
  goal: number;
  /** File name of the hostile agent under test/attacks/agents/. */
  agent: string;
  isolation: Isolation;
  /** More inputs (or overrides) for the action. */
  inputs?: Record<string, string>;
  /** Anything more the agent is told (its config's `extra`). */
  extra?: Record<string, unknown>;
  attempt?: number;
}

export interface AttackRun {
  goal: number;
  attempt: number;
  agent: string;
  isolation: Isolation;
  /** Marks everything this run's agent printed, ran or left behind. */
  nonce: string;
  main: StepResult;
  post: StepResult;
  /** `<workspace-root>/acme/widgets/<goal>` */
  goalDir: string;
  /** The agent's work tree: `<goalDir>/work` (the new layout) or `<goalDir>` (the old one). */
  workTree: string | null;
  /** What the agent found and reported, by name: its .git/loot/ files, else its uploads. */
  loot: Record<string, string>;
  /** Processes of this run's agent alive after the main step, then after the post step. */
  survivors: { afterMain: string[]; afterPost: string[] };
}

export function agentConfig(world: World, options: AttackOptions, nonce: string) {
  return {
    nonce,
    attacker: world.attacker.url,
    proxy: world.proxy.url,
    originUrl: world.originUrl,
    goal: options.goal,
    // Outside writes are attempted in the sandbox only: with isolation: none the agent is the
    // runner user, and the tests of that mode are about what git and the runner do.
    escape: options.isolation === "sandbox",
    targets: {
      runnerHome: world.paths.home,
      installDir: world.paths.install,
      bundle: world.paths.bundle,
      otherWorkspace: world.paths.otherWorkspace,
      runnerTemp: world.paths.runnerTemp,
      worldDir: world.paths.dir,
      canary: world.paths.canary,
    },
    extra: options.extra ?? {},
  };
}

/** The inputs of actions/run/action.yml for one attack run. */
export function attackInputs(world: World, options: AttackOptions, nonce: string) {
  const config = Buffer.from(JSON.stringify(agentConfig(world, options, nonce))).toString("base64");
  const node = process.execPath;
  const readPaths = [world.paths.agents];
  if (!node.startsWith("/usr/")) readPaths.push(dirname(node));
  return {
    token: world.token,
    repository: `${world.repo.owner}/${world.repo.repo}`,
    goal: String(options.goal),
    attempt: String(options.attempt ?? 1),
    "agent-command": `"${node}" "${join(world.paths.agents, options.agent)}" ${config} --goal={goal_file}`,
    "clone-url": world.originUrl,
    "workspace-root": world.paths.workspaceRoot,
    "log-dir": world.paths.logDir,
    duration: "3m",
    isolation: options.isolation,
    "agent-read-paths": readPaths.join(","),
    "agent-network": "open",
    ...(world.app ? { "app-id": String(world.app.appId), "app-private-key": world.app.pem } : {}),
    ...options.inputs,
  };
}

/** The runner's environment as a self-hosted runner gives it to a node action's step. */
export function runnerEnv(world: World): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: world.paths.home,
    LANG: "C.UTF-8",
    XDG_STATE_HOME: world.paths.stateHome,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_API_URL: world.server.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: `${world.repo.owner}/${world.repo.repo}`,
    GITHUB_RUN_ID: "4242",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: "run",
    GITHUB_WORKSPACE: world.paths.runnerWork,
    RUNNER_OS: "Linux",
    RUNNER_NAME: "attack-runner",
    RUNNER_TRACKING_ID: "github_attack_tracking",
    GOAL_ORCHESTRATOR_PACE_MS: String(TEST_PACE_MS),
    GITHUB_TOKEN: world.token,
    GH_TOKEN: world.token,
    ACTIONS_RUNTIME_URL: "http://127.0.0.1:9/runtime/",
    ACTIONS_RUNTIME_TOKEN: world.secrets.actionsRuntimeToken,
    ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:9/id-token",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: world.secrets.idTokenRequestToken,
    SECRET_THING: world.secrets.secretThing,
  };
}

function readTree(root: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(root)) return files;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) Object.assign(files, readTree(path, `${prefix}${entry.name}/`));
    else if (entry.isFile()) files[`${prefix}${entry.name}`] = readFileSync(path, "latin1");
  }
  return files;
}

/** The agent's work tree under a goal's workspace: the new layout first. */
export function findWorkTree(goalDir: string): string | null {
  for (const candidate of [join(goalDir, "work"), goalDir]) {
    if (existsSync(join(candidate, ".git"))) return candidate;
  }
  return null;
}

/** Runs the bundled runner action on one goal with one hostile agent: main step, post step. */
export async function runGoal(world: World, options: AttackOptions): Promise<AttackRun> {
  const nonce = `atk${randomBytes(6).toString("hex")}`;
  const inputs = attackInputs(world, options, nonce);
  const step = {
    bundle: world.paths.bundle,
    env: runnerEnv(world),
    inputs,
    runnerTemp: world.paths.runnerTemp,
    cwd: world.paths.runnerWork,
  };
  const main = await runStep(step);
  const afterMain = killAgentProcesses(nonce, 2000);
  const post = await runStep({ ...step, state: main.state });
  const afterPost = killAgentProcesses(nonce, 500);
  const { owner, repo } = world.repo;
  const goalDir = join(world.paths.workspaceRoot, owner, repo, String(options.goal));
  const workTree = findWorkTree(goalDir);
  const loot: Record<string, string> = {};
  const prefix = `/loot/${nonce}/`;
  for (const request of world.attacker.requests) {
    if (request.url.startsWith(prefix)) {
      loot[decodeURIComponent(request.url.slice(prefix.length))] = request.body;
    }
  }
  if (workTree) Object.assign(loot, readTree(join(workTree, ".git", "loot")));
  const run: AttackRun = {
    goal: options.goal,
    attempt: options.attempt ?? 1,
    agent: options.agent,
    isolation: options.isolation,
    nonce,
    main,
    post,
    goalDir,
    workTree,
    loot,
    survivors: { afterMain, afterPost },
  };
  world.runs.push(run);
  return run;
}

/** A JSON loot file, or null when the agent did not leave it. */
export function lootJson<T = Record<string, unknown>>(run: AttackRun, name: string): T | null {
  const text = run.loot[name];
  if (text === undefined) return null;
  return JSON.parse(Buffer.from(text, "latin1").toString("utf8")) as T;
}

/** The job log of both steps, for assertion messages. */
export function jobLog(run: AttackRun): string {
  return [run.main.stdout, run.main.stderr, run.post.stdout, run.post.stderr].join("\n");
}
