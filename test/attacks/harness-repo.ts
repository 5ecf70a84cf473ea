// The repository side of the attack world: goals as the dispatcher leaves them, commits to
// origin's main, and what origin and the GitHub API server hold after a run.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { RunResultMarker, TrustedMarker } from "../../src/core/markers.js";
import { type ClaimedGoalOptions, goalHelpers } from "../helpers/goals.js";
import type { World } from "./harness.js";

/** Git for setting things up, with none of the machine's configuration. */
export function testGit(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      HOME: tmpdir(),
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "Maintainer",
      GIT_AUTHOR_EMAIL: "maintainer@example.com",
      GIT_COMMITTER_NAME: "Maintainer",
      GIT_COMMITTER_EMAIL: "maintainer@example.com",
    },
  });
}

/** Adds one commit to origin's main: files, and symlinks (path → target). */
export function commitToMain(
  world: World,
  change: { files?: Record<string, string>; symlinks?: Record<string, string> },
  message = "maintainer: setup",
): string {
  const scratch = mkdtempSync(join(tmpdir(), "goal-attack-setup-"));
  try {
    testGit(scratch, "clone", "--quiet", world.bare.gitDir, "work");
    const work = join(scratch, "work");
    for (const [path, content] of Object.entries(change.files ?? {})) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    for (const [path, target] of Object.entries(change.symlinks ?? {})) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      symlinkSync(target, join(work, path));
    }
    testGit(work, "add", "--all");
    testGit(work, "commit", "--quiet", "-m", message);
    testGit(work, "push", "--quiet", "origin", "HEAD:main");
    return testGit(work, "rev-parse", "HEAD").trim();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A goal as the dispatcher leaves it: claimed for `attempt` (by workflow run 4242, the runner's)
 * and goal:running, written by the world's store (the App's, when the world has one).
 */
export function claimedGoal(
  world: World,
  title: string,
  options: Pick<ClaimedGoalOptions, "attempt" | "spotCheck" | "body"> = {},
): Promise<number> {
  return goalHelpers(() => world).claimedGoal(title, options);
}

/** The goal:* labels on issue `number`. */
export function stateLabels(world: World, number: number): Promise<string[]> {
  return goalHelpers(() => world).stateLabels(number);
}

export async function runResults(
  world: World,
  number: number,
): Promise<(TrustedMarker & RunResultMarker)[]> {
  const markers = (await world.store.getGoal(number)).markers;
  return markers.filter((m): m is TrustedMarker & RunResultMarker => m.kind === "run-result");
}

export async function pullsOf(world: World, number: number) {
  const { owner, repo } = world.repo;
  const { data } = await world.client.rest.pulls.list({
    owner,
    repo,
    state: "all",
    per_page: 100,
  });
  const pulls = data.filter((pull) => pull.head.ref.startsWith(`goal/${number}-`));
  return Promise.all(
    pulls.map(
      async (pull) =>
        (await world.client.rest.pulls.get({ owner, repo, pull_number: pull.number })).data,
    ),
  );
}

/** Files on a branch of origin, or [] when origin has no such branch. */
export function filesOn(world: World, branch: string): string[] {
  return world.base.filesOn(branch);
}

/** Origin's goal branch for a goal (`goal/<n>-…`), or null. */
export function goalBranch(world: World, number: number): string | null {
  const refs = testGit(
    world.bare.gitDir,
    "for-each-ref",
    "--format=%(refname:lstrip=2)",
    "refs/heads/goal/",
  );
  return refs.split("\n").find((ref) => ref.startsWith(`goal/${number}-`)) ?? null;
}
