import { type DiffStats, Git, type TokenProvider } from "../git/git.js";
import type { PreparedWorkspace } from "./run-workspace.js";

/** Where the agent's head goes in the runner's repository. */
const AGENT_HEAD = "refs/agent/head";

export interface CollectedWork {
  /** The runner's own repository: it pushes from here. */
  repo: Git;
  /** The agent's last commit (the start commit when it made none). */
  head: string;
  /** Commits `head` has that origin's base branch, as fetched just now, lacks. */
  commitsAhead: number;
  /** What the pull request will change (null without commits). */
  diff: DiffStats | null;
  /** Why the agent's work cannot be delivered (unreadable bundle, unrelated history), or null. */
  problem: string | null;
}

/**
 * Takes the agent's commits as data into a repository of the runner's own, made for this attempt
 * (no config, hook or ref anyone else wrote), and measures them against the base branch fetched
 * fresh from origin: never against a ref in the agent's repository, which it could have moved.
 */
export async function collectCommits(
  workspace: PreparedWorkspace,
  bundle: string | null,
  remote: { cloneUrl: string; token: TokenProvider },
): Promise<CollectedWork> {
  const { paths } = workspace;
  const repo = await Git.initBare(paths.collect, {
    alternates: [`${paths.trusted}/.git/objects`],
    token: remote.token,
    remote: remote.cloneUrl,
  });
  const result = (head: string, problem: string | null): CollectedWork => ({
    repo,
    head,
    commitsAhead: 0,
    diff: null,
    problem,
  });
  let head = workspace.start;
  if (bundle !== null) {
    try {
      head = await repo.fetchBundle(bundle, AGENT_HEAD);
    } catch (error) {
      return result(
        workspace.start,
        `the agent's commits could not be read: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (!(await repo.fetch(workspace.base))) {
    return result(head, `the base branch ${workspace.base} is gone from origin`);
  }
  const base = `refs/remotes/origin/${workspace.base}`;
  if ((await repo.mergeBase(base, head)) === null) {
    return result(head, `the agent's branch shares no history with ${workspace.base}`);
  }
  const commitsAhead = await repo.commitsAhead(base, head);
  const diff = commitsAhead > 0 ? await repo.diffStats(base, head) : null;
  return { repo, head, commitsAhead, diff, problem: null };
}
