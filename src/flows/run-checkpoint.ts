import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type DeadlineClock, Deadlines } from "../agent/deadlines.js";
import { DURATION_FORMS, durationHint, tryParseDuration } from "../core/duration.js";
import { messageOf, UserError } from "../core/errors.js";
import { copyAgentObjects, readAgentHead } from "../git/agent-head.js";
import { Git, type TokenProvider } from "../git/git.js";
import { agentRepositoryProblem } from "./run-collect.js";
import type { PreparedWorkspace, WorkspacePaths } from "./run-workspace.js";

/**
 * Work survives the runner: while the agent works, its commits are pushed to the goal branch
 * every so often (checkpoints), and an attempt that finds the workspace of one that died pushes
 * what that one left before removing it (salvage). Both read the agent's repository as data,
 * like the collection at the end (run-collect.ts): no git runs in it, nothing of its config is
 * used, and the repository looking tampered with means nothing is pushed. Unlike the
 * collection, which reads the agent's objects through alternates once the agent is gone, a
 * checkpoint runs while the agent does, so it copies the agent's object files into a
 * repository of the runner's own, opening each without following links (copyAgentObjects),
 * and pushes from there. Only commits: what the agent left uncommitted waits for the end.
 */

/** How often the runner pushes the agent's commits while it works, unless told otherwise. */
export const DEFAULT_CHECKPOINT_SECONDS = 5 * 60;

/**
 * The `checkpoint-every` input (or flag): a duration like 5m or 90s, `off` for no checkpoints,
 * empty for the default. Throws a UserError naming `key`.
 */
export function parseCheckpointEvery(text: string, key: string): number | null {
  const value = text.trim().toLowerCase();
  if (value === "") return DEFAULT_CHECKPOINT_SECONDS;
  if (value === "off") return null;
  const seconds = tryParseDuration(value);
  if (seconds === null) {
    throw new UserError(
      `${key}: "${text}" is not a duration (${DURATION_FORMS}) nor off.${durationHint(text)}`,
    );
  }
  return seconds;
}

export interface CheckpointSettings {
  cloneUrl: string;
  token: TokenProvider;
  /** Seconds between two looks at the agent's HEAD; null for no checkpoints. */
  everySeconds: number | null;
  /** The time the looks go by (default: real time); the agent's limits go by the same. */
  clock?: DeadlineClock | undefined;
}

/** Real time, on a timer that never keeps a finished process alive. */
const realTime: DeadlineClock = {
  now: () => performance.now(),
  after: (ms, fire) => {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * Every `everySeconds`, the agent's HEAD, pushed to the goal branch when it moved since the
 * last checkpoint and has commits beyond the base. A push replaces the branch exactly when the
 * attempt's final push would (`force` unless the attempt resumed from that branch): an attempt
 * that starts from the base again replaces an earlier attempt's branch at its first checkpoint
 * instead of at its end, and a resumed one only ever moves it forward. A failure is a warning.
 */
export class Checkpoints {
  readonly #workspace: PreparedWorkspace;
  readonly #settings: CheckpointSettings;
  readonly #log: (line: string) => void;
  readonly #warn: (line: string) => void;
  readonly #copied = new Set<string>();
  #repo: Git | null = null;
  #baseSha: string | null = null;
  /** The head last pushed, or the attempt's start. */
  #last: string;
  #lastProblem: string | null = null;
  readonly #timer: Deadlines;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;
  /** How many checkpoints were pushed. */
  pushed = 0;

  constructor(
    workspace: PreparedWorkspace,
    settings: CheckpointSettings,
    log: (line: string) => void,
    warn: (line: string) => void,
  ) {
    this.#workspace = workspace;
    this.#settings = settings;
    this.#log = log;
    this.#warn = warn;
    this.#last = workspace.start;
    this.#timer = new Deadlines(settings.clock ?? realTime);
  }

  /** Starts the timer. */
  start(): this {
    this.#schedule();
    return this;
  }

  /** Stops the timer and waits for a checkpoint under way, so none races the final push. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer.clear();
    await this.#running;
    if (this.pushed > 0) {
      this.#log(
        `${this.pushed} checkpoint${this.pushed === 1 ? "" : "s"} of the agent's commits pushed to ${this.#workspace.branch} while it worked`,
      );
    }
  }

  #schedule(): void {
    const seconds = this.#settings.everySeconds;
    if (this.#stopped || seconds === null) return;
    this.#timer.after(seconds * 1000, () => {
      this.#running = this.checkpoint().finally(() => this.#schedule());
    });
  }

  /** One checkpoint now; never throws. */
  async checkpoint(): Promise<void> {
    try {
      await this.#checkpoint();
    } catch (error) {
      this.#problem(`not checkpointed: ${messageOf(error)}`);
    }
  }

  async #checkpoint(): Promise<void> {
    const { paths, branch, base, trusted, resumed } = this.#workspace;
    this.#repo ??= await Git.initBare(paths.checkpoint, {
      alternates: [join(paths.trusted, ".git", "objects")],
      token: this.#settings.token,
      remote: this.#settings.cloneUrl,
    });
    this.#baseSha ??= await trusted.headSha(`refs/remotes/origin/${base}`);
    const taken = await takeAgentCommits(paths, this.#repo, this.#copied);
    if ("problem" in taken) {
      this.#problem(`not checkpointed: ${taken.problem}`);
      return;
    }
    const { head } = taken;
    if (head === this.#last) return;
    // A HEAD back on the base holds nothing to keep.
    if ((await this.#repo.commitsAhead(this.#baseSha, head)) === 0) return;
    const pushed = await this.#repo.push(branch, { force: !resumed, from: head });
    if (!pushed.ok) {
      this.#problem(
        `not checkpointed: the push of ${short(head)} to ${branch} ${pushed.rejected ? "was rejected" : "failed"}: ${pushed.message}`,
      );
      return;
    }
    this.#last = head;
    this.#lastProblem = null;
    this.pushed++;
    this.#log(`checkpoint: the agent's commits up to ${short(head)} are on ${branch}`);
  }

  /** Warns once per distinct problem: the same one every few minutes says nothing new. */
  #problem(message: string): void {
    if (message === this.#lastProblem) return;
    this.#lastProblem = message;
    this.#warn(message);
  }
}

/** Starts the checkpoints of an attempt whose agent is about to run. */
export function startCheckpoints(
  workspace: PreparedWorkspace,
  settings: CheckpointSettings,
  log: (line: string) => void,
  warn: (line: string) => void,
): Checkpoints {
  return new Checkpoints(workspace, settings, log, warn).start();
}

/**
 * The agent's HEAD, its objects copied into `repo` (a bare repository of the runner's own), or
 * why it cannot be taken. The checks are the collection's; the copy opens every file without
 * following links, so swapping links in after the checks gains the agent nothing.
 */
async function takeAgentCommits(
  paths: { work: string; trusted: string },
  repo: Git,
  copied: Set<string>,
): Promise<{ head: string } | { problem: string }> {
  const problem = await agentRepositoryProblem(paths);
  if (problem !== null) return { problem };
  try {
    const named = await readAgentHead(paths.work);
    await copyAgentObjects(paths.work, join(repo.cwd, "objects"), copied);
    return { head: await repo.headSha(named) };
  } catch (error) {
    return { problem: `the agent's commits could not be read: ${messageOf(error)}` };
  }
}

export interface SalvageRequest {
  /** The goal's workspace as the previous attempt left it. */
  old: WorkspacePaths;
  /** This attempt's fresh clone of origin (not yet in place). */
  fresh: Git;
  /** A private folder for the repository the old commits are read into; removed afterwards. */
  into: string;
  branch: string;
  /** The base branch; null for origin's default. */
  base: string | null;
  resume: boolean;
  cloneUrl: string;
  token: TokenProvider;
  log: (line: string) => void;
  warn: (line: string) => void;
}

/**
 * Before a new attempt removes the goal's old workspace: when the attempt that used it died (its
 * `run/` folder is still there: an attempt that ends removes it, after pushing its work), the
 * commits its agent made are pushed to the goal branch unless the branch already has them.
 * `resume` then decides, as always, whether the new attempt starts from them. When the goal
 * branch moved elsewhere meanwhile, the commits go to a branch of their own beside it (with
 * `resume: false` they replace it, as that attempt's own push would have). A failure is a
 * warning: the attempt goes on. Returns what was salvaged, in a sentence, or null.
 */
export async function salvageOldWork(request: SalvageRequest): Promise<string | null> {
  const { old } = request;
  if (!existsSync(old.run) || !existsSync(join(old.work, ".git"))) return null;
  try {
    const salvaged = await salvage(request);
    if (salvaged !== null) request.log(salvaged);
    return salvaged;
  } catch (error) {
    request.warn(
      `could not salvage the commits the previous attempt left in ${old.work}: ${messageOf(error)}`,
    );
    return null;
  } finally {
    await rm(request.into, { recursive: true, force: true });
  }
}

async function salvage(request: SalvageRequest): Promise<string | null> {
  const { old, fresh, branch } = request;
  const alternates = [join(fresh.cwd, ".git", "objects"), join(old.trusted, ".git", "objects")];
  const repo = await Git.initBare(request.into, {
    alternates: alternates.filter((path) => existsSync(path)),
    token: request.token,
    remote: request.cloneUrl,
  });
  const taken = await takeAgentCommits(old, repo, new Set());
  if ("problem" in taken) {
    request.warn(`nothing salvaged from the previous attempt's workspace: ${taken.problem}`);
    return null;
  }
  const { head } = taken;
  const base = request.base ?? (await fresh.currentBranch());
  const branches = await fresh.remoteBranches();
  if (!branches.has(base)) return null; // prepareWorkspace says so
  const ahead = await repo.commitsAhead(await fresh.headSha(`refs/remotes/origin/${base}`), head);
  if (ahead === 0) return null;
  const tip = branches.has(branch) ? await fresh.headSha(`refs/remotes/origin/${branch}`) : null;
  if (tip !== null && (await repo.mergeBase(head, tip)) === head) return null; // already there
  const forward = tip === null || (await repo.mergeBase(tip, head)) === tip;
  const target = forward || !request.resume ? branch : `${branch}-salvaged-${short(head)}`;
  const pushed = await repo.push(target, { force: !forward && !request.resume, from: head });
  if (!pushed.ok) {
    throw new Error(
      `the push of ${short(head)} to ${target} ${pushed.rejected ? "was rejected" : "failed"}: ${pushed.message}`,
    );
  }
  const what = `salvaged the commits the previous attempt left in its workspace (up to ${short(head)}, ${ahead} beyond ${base})`;
  if (target !== branch) {
    return `${what} onto ${target}: ${branch} has other commits since, so it stays as it is`;
  }
  // This attempt's clone sees the branch as it is now; `resume` decides whether to start there.
  await fresh.fetch(branch);
  return `${what} onto ${branch}${forward ? "" : ", replacing what it held (resume is off)"}`;
}

function short(sha: string): string {
  return sha.slice(0, 8);
}
