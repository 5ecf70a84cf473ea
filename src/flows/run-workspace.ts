import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { asError } from "../core/errors.js";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import type { GoalSnapshot } from "../core/ports.js";
import { Git, type TokenProvider } from "../git/git.js";
import { salvageOldWork } from "./run-checkpoint.js";
import { goalBranchOf } from "./run-claim.js";

/**
 * A goal's workspace, `<workspace-root>/<owner>/<repo>/<goal>/`:
 *
 * - `trusted/`: the runner's clone of origin. The agent never writes to it (the sandbox shows
 *   it read-only); the runner reads its objects when it collects the agent's commits.
 * - `work/`: the agent's work tree, sharing `trusted/`'s objects. Everything in it, `.git`
 *   included, is the agent's: the runner treats it as untrusted data.
 * - `run/`: this attempt's private files, made fresh for it: `goal/` (the goal file, read-only
 *   to the agent), `home/` and `tmp/` (the agent's HOME and TMP), `out/` (where the agent's
 *   stats go), `collect.git` (the runner's own repository for judging and pushing),
 *   `checkpoint.git` (the runner's own repository for the pushes while the agent works).
 *   Removed when the attempt ends: an old workspace that still has it belonged to an attempt
 *   that died, whose commits the next attempt salvages (run-checkpoint.ts).
 */
export interface WorkspacePaths {
  root: string;
  trusted: string;
  work: string;
  run: string;
  goalDir: string;
  goalFile: string;
  home: string;
  tmp: string;
  out: string;
  /** RALPH_STATS_FILE. */
  agentStats: string;
  collect: string;
  checkpoint: string;
}

function workspacePaths(root: string): WorkspacePaths {
  const run = join(root, "run");
  const goalDir = join(run, "goal");
  const out = join(run, "out");
  return {
    root,
    trusted: join(root, "trusted"),
    work: join(root, "work"),
    run,
    goalDir,
    goalFile: join(goalDir, "goal.md"),
    home: join(run, "home"),
    tmp: join(run, "tmp"),
    out,
    agentStats: join(out, "agent-stats.jsonl"),
    collect: join(run, "collect.git"),
    checkpoint: join(run, "checkpoint.git"),
  };
}

export interface CloneSettings {
  cloneUrl: string;
  token: TokenProvider;
  gitMirror: string | null;
  workspaceRoot: string;
}

/**
 * The workspace, started before the claim is verified, in a private directory beside the goal's
 * (same filesystem, so adopting it is a rename): the runner's clone of origin, then the agent's
 * work tree sharing its objects.
 */
export class PendingWorkspace {
  readonly dir: string;
  readonly #goal: number;
  /** Settles with the two clones or an error; never rejects. */
  readonly #clones: Promise<{ trusted: Git; work: Git } | Error>;
  #settled = false;

  constructor(
    settings: CloneSettings,
    repo: RepoRef,
    goal: number,
    options: { warn?: ((line: string) => void) | undefined } = {},
  ) {
    this.dir = join(
      settings.workspaceRoot,
      repo.owner,
      repo.repo,
      `.${goal}-${randomUUID().slice(0, 8)}.cloning`,
    );
    this.#goal = goal;
    const paths = workspacePaths(this.dir);
    this.#clones = (async () => {
      const trusted = await Git.clone({
        url: settings.cloneUrl,
        dir: paths.trusted,
        token: settings.token,
        reference: settings.gitMirror ?? undefined,
        checkout: false,
        warn: options.warn,
      });
      return { trusted, work: await trusted.shareInto(paths.work) };
    })().catch(asError);
  }

  /**
   * Waits for the clones and moves them to `dir` (replacing whatever is there). `beforeReplace`
   * runs first, with the fresh clone of origin and a private folder of its own to work in,
   * while what is at `dir` is still there.
   */
  async adopt(
    dir: string,
    token: TokenProvider,
    cloneUrl: string,
    beforeReplace?: (fresh: Git, privateDir: string) => Promise<void>,
  ): Promise<Workspace> {
    if (this.#settled) throw new Error("this clone was already adopted or discarded");
    this.#settled = true;
    const cloned = await this.#clones;
    if (cloned instanceof Error) {
      await rm(this.dir, { recursive: true, force: true });
      throw cloned;
    }
    if (beforeReplace) await beforeReplace(cloned.trusted, join(this.dir, "salvage"));
    await rm(dir, { recursive: true, force: true });
    await rename(this.dir, dir);
    await this.removeLeftovers();
    const paths = workspacePaths(dir);
    const work = new Git({ cwd: paths.work, remote: paths.trusted });
    // The agent's `git fetch origin` reads the runner's clone (read-only in the sandbox).
    await work.setOriginUrl(paths.trusted);
    return { paths, trusted: new Git({ cwd: paths.trusted, token, remote: cloneUrl }), work };
  }

  /**
   * Clones of this goal that a killed job left half done. Only the job whose claim stands
   * adopts, so no other job is still using one.
   */
  private async removeLeftovers() {
    const parent = dirname(this.dir);
    const prefix = `.${this.#goal}-`;
    for (const name of await readdir(parent)) {
      const path = join(parent, name);
      if (name.startsWith(prefix) && name.endsWith(".cloning") && path !== this.dir) {
        await rm(path, { recursive: true, force: true });
      }
    }
  }

  /** Waits for the clones to end and deletes them; nothing when they were adopted. */
  async discard(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    await this.#clones;
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface Workspace {
  paths: WorkspacePaths;
  /** The runner's clone: origin's refs as fetched before the agent ran. */
  trusted: Git;
  /** The agent's work tree; used only before the agent starts. */
  work: Git;
}

export interface PreparedWorkspace extends Workspace {
  base: string;
  branch: string;
  resumed: boolean;
  /** The commit the agent starts from. */
  start: string;
  /** What was salvaged from a dead attempt's workspace, in a sentence (run-checkpoint.ts). */
  salvaged: string | null;
}

/**
 * Adopts the clones (salvaging what a dead attempt left in the goal's old workspace first),
 * checks out the goal branch (an earlier attempt's, when resuming) and makes the attempt's
 * private directories afresh.
 */
export async function prepareWorkspace(
  pending: PendingWorkspace,
  goal: GoalSnapshot,
  settings: CloneSettings & { base: string | null; resume: boolean; attempt: number },
  log: (line: string) => void,
  warn: (line: string) => void = (line) => log(`warning: ${line}`),
): Promise<PreparedWorkspace> {
  const { owner, repo, number } = goal.ref;
  const dir = join(settings.workspaceRoot, owner, repo, String(number));
  const branch = goalBranchOf(goal, settings.attempt);
  let salvaged: string | null = null;
  const workspace = await pending.adopt(
    dir,
    settings.token,
    settings.cloneUrl,
    async (fresh, into) => {
      salvaged = await salvageOldWork({
        old: workspacePaths(dir),
        fresh,
        into,
        branch,
        base: settings.base,
        resume: settings.resume,
        cloneUrl: settings.cloneUrl,
        token: settings.token,
        log,
        warn,
      });
    },
  );
  const { trusted, work, paths } = workspace;
  const base = settings.base ?? (await trusted.currentBranch());
  const branches = await trusted.remoteBranches();
  if (!branches.has(base)) {
    throw new Error(`the base branch ${base} does not exist in ${formatRepo(goal.ref)}`);
  }
  const resumed = settings.resume && branches.has(branch);
  // Resolved in the runner's clone: a branch salvaged just now is there, not yet in the work tree.
  const startPoint = await trusted.headSha(`refs/remotes/origin/${resumed ? branch : base}`);
  if (resumed) await work.setRef(`refs/remotes/origin/${branch}`, startPoint);
  await work.checkoutNewBranch(branch, startPoint);
  log(
    resumed
      ? `resuming from ${branch} as an earlier attempt left it`
      : `new branch ${branch} from ${base}`,
  );
  for (const dir of [paths.goalDir, paths.home, paths.tmp, paths.out]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  return { ...workspace, base, branch, resumed, start: await work.headSha(), salvaged };
}

/**
 * Writes the goal file into the attempt's fresh private directory. `wx` refuses to write through
 * anything already there, a link included.
 */
export async function writeGoalFile(paths: WorkspacePaths, text: string): Promise<void> {
  await writeFile(paths.goalFile, text, { flag: "wx", mode: 0o600 });
}

/** Removes the attempt's private files (HOME, TMP, goal file, collected commits). */
export async function removeRunFiles(paths: WorkspacePaths): Promise<void> {
  await rm(paths.run, { recursive: true, force: true });
}

/** Starts the clones for runGoal (see RunGoalContext.workspace). */
export function startWorkspaceClone(
  settings: CloneSettings,
  repo: RepoRef,
  goal: number,
  warn?: (line: string) => void,
): PendingWorkspace {
  return new PendingWorkspace(settings, repo, goal, { warn });
}
