// The repository side of the attack world: goals as the dispatcher leaves them, commits to
// origin's main, and what origin and the GitHub API server hold after a run.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { RunResultMarker, TrustedMarker } from "../../src/core/markers.js";
import { isStateLabel } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { vettedText } from "../helpers/vetted-text.js";
import type { World } from "./harness.js";

const OWNER = "acme";
const REPO = "widgets";

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

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** A goal as the dispatcher leaves it: claimed for `attempt` and goal:running. */
export async function claimedGoal(
  world: World,
  title: string,
  options: { attempt?: number; spotCheck?: boolean; body?: string } = {},
): Promise<number> {
  const { number } = await createGoal(world.store, {
    title,
    body: options.body ?? GOAL_BODY,
    queue: true,
    spotCheck: options.spotCheck ?? false,
  });
  await world.store.recordMarker(number, "claim", {
    kind: "claim",
    attempt: options.attempt ?? 1,
    claimId: "now",
    claimedBy: { runId: "4242" },
    claimedAt: new Date().toISOString(),
    leaseExpiresAt: hoursFromNow(2),
    ...(await vettedText(world.store, number)),
  });
  await world.store.transition(number, {
    to: "running",
    expectedFrom: "queued",
    reason: "claimed",
  });
  return number;
}

export async function stateLabels(world: World, number: number): Promise<string[]> {
  const { data } = await world.client.rest.issues.listLabelsOnIssue({
    owner: OWNER,
    repo: REPO,
    issue_number: number,
  });
  return data.map((label) => label.name).filter(isStateLabel);
}

export async function runResults(
  world: World,
  number: number,
): Promise<(TrustedMarker & RunResultMarker)[]> {
  const markers = (await world.store.getGoal(number)).markers;
  return markers.filter((m): m is TrustedMarker & RunResultMarker => m.kind === "run-result");
}

export async function pullsOf(world: World, number: number) {
  const { data } = await world.client.rest.pulls.list({
    owner: OWNER,
    repo: REPO,
    state: "all",
    per_page: 100,
  });
  const pulls = data.filter((pull) => pull.head.ref.startsWith(`goal/${number}-`));
  return Promise.all(
    pulls.map(
      async (pull) =>
        (await world.client.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: pull.number }))
          .data,
    ),
  );
}

/** Files on a branch of origin, or [] when origin has no such branch. */
export function filesOn(world: World, ref: string): string[] {
  try {
    return testGit(world.bare.gitDir, "ls-tree", "-r", "--name-only", `refs/heads/${ref}`)
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
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
