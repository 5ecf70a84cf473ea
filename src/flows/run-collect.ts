import { join, relative } from "node:path";
import { messageOf } from "../core/errors.js";
import { checkAgentObjects, readAgentHead, readPlainFile } from "../git/agent-head.js";
import { type DiffStats, Git, type Person, type TokenProvider } from "../git/git.js";
import type { PreparedWorkspace } from "./run-workspace.js";

export interface CollectedWork {
  /** The runner's own repository: it pushes from here. */
  repo: Git;
  /** The agent's last commit, with what it left uncommitted (the start when it did nothing). */
  head: string;
  /** Whether the runner committed changes the agent left uncommitted. */
  committedLeftovers: boolean;
  /** Commits `head` has that origin's base branch, as fetched just now, lacks. */
  commitsAhead: number;
  /** What the pull request will change (null without commits). */
  diff: DiffStats | null;
  /** Why the agent's work cannot be delivered (unreadable repository, unrelated history). */
  problem: string | null;
}

export interface CollectRequest {
  cloneUrl: string;
  token: TokenProvider;
  /** Who commits what the agent left uncommitted, and with what message. */
  author: Person;
  message: string;
}

/**
 * Takes the agent's work as data into a bare repository of the runner's own, made for this
 * attempt (no config, hook or ref anyone else wrote): its HEAD read from files, its objects
 * read through alternates (the runner's clone first, so the base's objects are the runner's
 * own), what it left uncommitted committed from its files. Then it measures the result against
 * the base branch fetched fresh from origin, never against a ref the agent could have moved.
 */
export async function collectCommits(
  workspace: PreparedWorkspace,
  request: CollectRequest,
): Promise<CollectedWork> {
  const { paths } = workspace;
  const trustedObjects = join(paths.trusted, ".git", "objects");
  const agentObjects = join(paths.work, ".git", "objects");
  const repo = await Git.initBare(paths.collect, {
    alternates: [trustedObjects, agentObjects],
    token: request.token,
    remote: request.cloneUrl,
  });
  const result = (problem: string): CollectedWork => ({
    repo,
    head: workspace.start,
    committedLeftovers: false,
    commitsAhead: 0,
    diff: null,
    problem,
  });
  const tampered = await agentRepositoryProblem(paths);
  if (tampered !== null) return result(tampered);
  let head: string;
  try {
    head = await repo.headSha(await readAgentHead(paths.work));
  } catch (error) {
    return result(`the agent's commits could not be read: ${messageOf(error)}`);
  }
  const withLeftovers = await repo.commitWorkTree(paths.work, head, {
    message: request.message,
    author: request.author,
    indexFile: join(paths.run, "leftovers.index"),
  });
  if (!(await repo.fetch(workspace.base))) {
    return result(`the base branch ${workspace.base} is gone from origin`);
  }
  const base = `refs/remotes/origin/${workspace.base}`;
  if ((await repo.mergeBase(base, withLeftovers)) === null) {
    return result(`the agent's branch shares no history with ${workspace.base}`);
  }
  const commitsAhead = await repo.commitsAhead(base, withLeftovers);
  return {
    repo,
    head: withLeftovers,
    committedLeftovers: withLeftovers !== head,
    commitsAhead,
    diff: commitsAhead > 0 ? await repo.diffStats(base, withLeftovers) : null,
    problem: null,
  };
}

/**
 * Why the agent's repository cannot be read as its own, or null. Its object store must be its
 * own folder and may only borrow from the runner's clone, as shareInto set it up: a link or
 * another alternate would let it name objects of other repositories on this machine. The
 * checkpoints and the salvage of a dead attempt's work refuse the same repositories.
 */
export async function agentRepositoryProblem(paths: {
  work: string;
  trusted: string;
}): Promise<string | null> {
  const trustedObjects = join(paths.trusted, ".git", "objects");
  const agentObjects = join(paths.work, ".git", "objects");
  try {
    await checkAgentObjects(paths.work);
  } catch (error) {
    return `the agent's repository is not its own: ${messageOf(error)}`;
  }
  const alternates = await readPlainFile(join(agentObjects, "info", "alternates"), 4096).catch(
    () => null,
  );
  if (alternates?.trim() !== relative(agentObjects, trustedObjects)) {
    return "the agent changed where its repository borrows objects from";
  }
  return null;
}
