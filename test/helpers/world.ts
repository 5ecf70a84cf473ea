import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { RepoRef } from "../../src/core/issue-ref.js";
import { LABELS } from "../../src/core/states.js";
import { connectAsApp } from "../../src/github/app-auth.js";
import type { GitHubClient } from "../../src/github/client.js";
import { GitHubGoalStore } from "../../src/github/goal-store.js";
import {
  createBareRepository,
  type GitHubServer,
  type Permission,
  startGitHubServer,
} from "../../tools/github-server/index.js";
import { type ActionRun, runActionBundle } from "./action-runner.js";
import { actionsStepEnv, connectAs, TEST_PACE_MS } from "./github-fixture.js";

export interface WorldOptions {
  /** Branches with protection rules (default: main, so goal pull requests wait for checks). */
  protectedBranches?: string[];
  /** Whether the repository allows auto-merge (default: true). */
  allowAutoMerge?: boolean;
  /** Permission of accounts given none (default: read, as for outsiders on a public repository). */
  defaultPermission?: Permission;
  /** close() leaves the scratch folder and the bare repository behind, to look at (default: false). */
  keep?: boolean;
}

/** An account acting on the world's repository through its own client and goal store. */
export interface Account {
  client: GitHubClient;
  store: GitHubGoalStore;
  token: string;
}

/** A GitHub App installed on the repository, with a client and goal store acting as its bot. */
export interface InstalledApp {
  appId: number;
  botLogin: string;
  /** Its private key (PKCS#1 PEM), as the app-private-key input takes it. */
  pem: string;
  client: GitHubClient;
  store: GitHubGoalStore;
}

/**
 * The world most tests need: the local GitHub API server with repository acme/widgets backed by
 * a real bare git repository, a `maintainer` with write access whose goal store has created the
 * labels, and a scratch folder. `close()` fails the test on any contract violation, then tears
 * everything down.
 */
export interface TestWorld {
  server: GitHubServer;
  bare: Awaited<ReturnType<typeof createBareRepository>>;
  repo: RepoRef;
  client: GitHubClient;
  store: GitHubGoalStore;
  /** The maintainer's token. */
  token: string;
  /** A scratch folder, removed by close(). */
  dir: string;
  /** Another account, given this permission on the repository first (else it has the default). */
  as(login: string, permission?: "admin" | "write" | "read"): Promise<Account>;
  /**
   * The environment of an Actions step in workflow run `runId` of this repository (seeded, in
   * progress, when the server has no such run yet), with HOME and XDG_STATE_HOME in the scratch
   * folder. `extra` is added last.
   */
  stepEnv(runId?: number | string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /**
   * The environment of a CLI run on this machine as the maintainer (GITHUB_TOKEN), with HOME and
   * the XDG folders in the scratch folder.
   */
  cliEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Installs a new GitHub App (goal-runner) on the repository and connects as it. */
  installApp(): Promise<InstalledApp>;
  /** The files on a branch of the bare repository (as git lists them); [] when there is no such branch. */
  filesOn(branch: string): string[];
  /** Commits `text` as the repository's .github/goal-orchestrator.yml on main. */
  settingsFile(text: string): Promise<string>;
  /**
   * The bundled runner's inputs for attempt 1 of `goal`, as the maintainer, with
   * test/agents/agent.mjs in `mode` as the agent (its folder shown to the sandbox), cloning the
   * bare repository into the scratch folder. `extra` is added last.
   */
  runnerInputs(goal: number, mode: string, extra?: Record<string, string>): Record<string, string>;
  /** The bundled dispatcher, one cycle, as the maintainer, in workflow run `runId` (default 1001). */
  dispatch(
    inputs?: Record<string, string>,
    options?: { runId?: number | string; node?: string },
  ): Promise<ActionRun>;
  close(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<TestWorld> {
  const server = await startGitHubServer();
  const bare = await createBareRepository("main");
  const repo = { owner: "acme", repo: "widgets" };
  server.createRepository({
    owner: repo.owner,
    name: repo.repo,
    gitDir: bare.gitDir,
    defaultPermission: options.defaultPermission ?? "read",
    allowAutoMerge: options.allowAutoMerge ?? true,
    protectedBranches: options.protectedBranches ?? ["main"],
  });
  server.setPermission(repo.owner, repo.repo, "maintainer", "write");
  const { client, store, token } = await connectAs(server, repo, "maintainer");
  await store.ensureLabels(LABELS);
  const dir = mkdtempSync(join(tmpdir(), "goal-world-"));
  const stepEnv = (runId: number | string = 1001, extra: NodeJS.ProcessEnv = {}) =>
    actionsStepEnv(server, repo, runId, {
      HOME: join(dir, "home"),
      XDG_STATE_HOME: join(dir, "state"),
      ...extra,
    });
  return {
    server,
    bare,
    repo,
    client,
    store,
    token,
    dir,
    as: (login, permission) => {
      if (permission) server.setPermission(repo.owner, repo.repo, login, permission);
      return connectAs(server, repo, login);
    },
    stepEnv,
    cliEnv: (extra = {}) => ({
      PATH: process.env.PATH,
      HOME: join(dir, "home"),
      XDG_STATE_HOME: join(dir, "state"),
      XDG_CACHE_HOME: join(dir, "cache"),
      GITHUB_TOKEN: token,
      GITHUB_API_URL: server.url,
      GITHUB_REPOSITORY: `${repo.owner}/${repo.repo}`,
      GOAL_ORCHESTRATOR_PACE_MS: String(TEST_PACE_MS),
      ...extra,
    }),
    installApp: async () => {
      const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const { appId, botLogin } = server.addApp({
        slug: "goal-runner",
        publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
      });
      server.installApp(appId, repo.owner, repo.repo);
      const pem = keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
      const app = await connectAsApp({ appId: String(appId), privateKey: pem }, repo, {
        apiUrl: server.url,
        paceMs: TEST_PACE_MS,
        warn: () => {},
      });
      const store = await GitHubGoalStore.connect({
        client: app.client,
        repo,
        paceMs: TEST_PACE_MS,
      });
      return { appId, botLogin, pem, client: app.client, store };
    },
    filesOn: (branch) => {
      try {
        const listing = execFileSync(
          "git",
          ["--git-dir", bare.gitDir, "ls-tree", "-r", "--name-only", `refs/heads/${branch}`],
          { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
        );
        return listing.split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
    settingsFile: (text) => bare.commitOnBranch("main", ".github/goal-orchestrator.yml", text),
    runnerInputs: (goal, mode, extra = {}) => ({
      token,
      repository: `${repo.owner}/${repo.repo}`,
      goal: String(goal),
      attempt: "1",
      "agent-command": agentCommand(`${mode} --goal={goal_file}`),
      "agent-read-paths": dirname(AGENT),
      "clone-url": bare.gitDir,
      "workspace-root": join(dir, "work"),
      "log-dir": join(dir, "logs"),
      duration: "5m",
      ...extra,
    }),
    dispatch: (inputs = {}, { runId, node } = {}) =>
      runActionBundle(node ?? process.execPath, "dispatch", { token, ...inputs }, stepEnv(runId)),
    close: async () => {
      try {
        server.assertNoViolations();
      } finally {
        await server.close();
        if (!options.keep) {
          rmSync(bare.root, { recursive: true, force: true });
          rmSync(dir, { recursive: true, force: true });
        }
      }
    },
  };
}

/** test/agents/agent.mjs, the agent of the tests. */
export const AGENT = resolve("test/agents/agent.mjs");

/** A command that runs test/agents/agent.mjs with `args` (its mode, then its flags). */
export const agentCommand = (args: string) => `"${process.execPath}" "${AGENT}" ${args}`;

/** The CLI flags that make test/agents/agent.mjs in `mode` the agent (its folder shown to the sandbox). */
export const agentFlags = (mode: string) => [
  "--agent-command",
  agentCommand(`${mode} --goal={goal_file}`),
  "--agent-read-paths",
  dirname(AGENT),
];
