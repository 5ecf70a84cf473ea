import type { RepoRef } from "../../src/core/issue-ref.js";
import { LABELS } from "../../src/core/states.js";
import { createClient, type GitHubClient } from "../../src/github/client.js";
import { GitHubGoalStore } from "../../src/github/goal-store.js";
import { type GitHubServer, startGitHubServer } from "../../tools/github-server/server.js";
import { type ActionRun, runActionBundle } from "./action-runner.js";

/** Retry waits in tests: short, but long enough to keep the real ordering of events. */
export const TEST_PACE_MS = 5;

export interface GitHubFixture {
  server: GitHubServer;
  repo: RepoRef;
  /** Token of "maintainer", who has write access to acme/widgets. */
  token: string;
  client: GitHubClient;
  store: GitHubGoalStore;
  /** Environment for running a CLI as this maintainer against the server. */
  env: NodeJS.ProcessEnv;
  /** The environment of an Actions step in workflow run `runId` (see actionsStepEnv). */
  stepEnv(runId?: number | string): NodeJS.ProcessEnv;
  /** The bundled dispatcher, one cycle, as the maintainer, in workflow run `runId` (default 1001). */
  dispatch(
    inputs?: Record<string, string>,
    options?: { runId?: number | string; node?: string },
  ): Promise<ActionRun>;
  /** A client and store acting as another account. */
  as(login: string): Promise<{ client: GitHubClient; store: GitHubGoalStore; token: string }>;
  /** Fails the test on any contract violation of the server's, then stops it. */
  close(): Promise<void>;
}

/** A client and goal store acting as `login` (created on the server if new). */
export async function connectAs(server: GitHubServer, repo: RepoRef, login: string) {
  const { token } = server.addUser({ login });
  const client = createClient({ token, apiUrl: server.url, paceMs: TEST_PACE_MS, warn: () => {} });
  const store = await GitHubGoalStore.connect({ client, repo, paceMs: TEST_PACE_MS });
  return { client, store, token };
}

/**
 * The environment of an Actions step in workflow run `runId` of `repo`, seeded (in progress) when
 * the server has no such run yet. `extra` is added last.
 */
export function actionsStepEnv(
  server: GitHubServer,
  repo: RepoRef,
  runId: number | string = 1001,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  if (!server.state.requireRepo(repo.owner, repo.repo).workflowRuns.has(Number(runId)))
    server.addWorkflowRun(repo.owner, repo.repo, { id: Number(runId), status: "in_progress" });
  return {
    GITHUB_API_URL: server.url,
    GITHUB_REPOSITORY: `${repo.owner}/${repo.repo}`,
    GITHUB_RUN_ID: String(runId),
    GITHUB_SERVER_URL: "https://github.com",
    GOAL_ORCHESTRATOR_PACE_MS: String(TEST_PACE_MS),
    ...extra,
  };
}

/**
 * A fresh local GitHub with repository acme/widgets and a maintainer who may write to it, who
 * has created the goal labels when `labels` is true.
 */
export async function startGitHubFixture(
  options: { labels?: boolean } = {},
): Promise<GitHubFixture> {
  const server = await startGitHubServer();
  const repo = { owner: "acme", repo: "widgets" };
  server.createRepository({ owner: repo.owner, name: repo.repo, defaultPermission: "read" });
  const as = (login: string) => connectAs(server, repo, login);
  server.setPermission(repo.owner, repo.repo, "maintainer", "write");
  const maintainer = await as("maintainer");
  if (options.labels) await maintainer.store.ensureLabels(LABELS);
  const stepEnv = (runId?: number | string) => actionsStepEnv(server, repo, runId);
  return {
    server,
    repo,
    token: maintainer.token,
    client: maintainer.client,
    store: maintainer.store,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_TOKEN: maintainer.token,
      GITHUB_API_URL: server.url,
      GITHUB_REPOSITORY: `${repo.owner}/${repo.repo}`,
      GOAL_ORCHESTRATOR_PACE_MS: String(TEST_PACE_MS),
    },
    stepEnv,
    dispatch: (inputs = {}, { runId, node } = {}) =>
      runActionBundle(
        node ?? process.execPath,
        "dispatch",
        { token: maintainer.token, ...inputs },
        stepEnv(runId),
      ),
    as,
    close: async () => {
      try {
        server.assertNoViolations();
      } finally {
        await server.close();
      }
    },
  };
}

export const GOAL_BODY = `## Objective
Export the widget list as CSV.

## Acceptance
- \`widgets export --csv\` prints one line per widget
`;
