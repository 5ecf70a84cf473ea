import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RepoRef } from "../../src/core/issue-ref.js";
import { LABELS } from "../../src/core/states.js";
import type { GitHubClient } from "../../src/github/client.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import {
  createBareRepository,
  type GitHubServer,
  startGitHubServer,
} from "../../tools/github-server/index.js";
import { connectAs } from "./github-fixture.js";

/**
 * The world most tests need: the local GitHub API server with repository acme/widgets backed by
 * a real bare git repository (its `main` protected, so goal pull requests wait for checks), a
 * `maintainer` with write access whose goal store has created the labels, and a scratch folder.
 * `close()` fails the test on any contract violation, then tears everything down.
 */
export interface TestWorld {
  server: GitHubServer;
  bare: Awaited<ReturnType<typeof createBareRepository>>;
  repo: RepoRef;
  client: GitHubClient;
  store: GitHubGoalStore;
  token: string;
  /** A scratch folder, removed by close(). */
  dir: string;
  /** Another account, given this permission on the repository first. */
  as(
    login: string,
    permission: "admin" | "write" | "read",
  ): Promise<{ client: GitHubClient; store: GitHubGoalStore; token: string }>;
  close(): Promise<void>;
}

export async function startWorld(
  options: { protectedBranches?: string[]; allowAutoMerge?: boolean } = {},
): Promise<TestWorld> {
  const server = await startGitHubServer();
  const bare = await createBareRepository("main");
  const repo = { owner: "acme", repo: "widgets" };
  server.createRepository({
    owner: repo.owner,
    name: repo.repo,
    gitDir: bare.gitDir,
    defaultPermission: "read",
    allowAutoMerge: options.allowAutoMerge ?? true,
    protectedBranches: options.protectedBranches ?? ["main"],
  });
  server.setPermission(repo.owner, repo.repo, "maintainer", "write");
  const { client, store, token } = await connectAs(server, repo, "maintainer");
  await store.ensureLabels(LABELS);
  const dir = mkdtempSync(join(tmpdir(), "goal-world-"));
  return {
    server,
    bare,
    repo,
    client,
    store,
    token,
    dir,
    as: (login, permission) => {
      server.setPermission(repo.owner, repo.repo, login, permission);
      return connectAs(server, repo, login);
    },
    close: async () => {
      try {
        server.assertNoViolations();
      } finally {
        await server.close();
        rmSync(bare.root, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
