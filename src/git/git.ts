/**
 * The Git class (one method per git verb) and its public types. How a command runs is runner.ts's;
 * cloning from a mirror, mirror-clone.ts's; reading diffs, diff-numstat.ts's and diff-raw.ts's.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { messageOf, UserError } from "../core/errors.js";
import { numstatArgs, parseNumstat } from "./diff-numstat.js";
import { parseRawDiff, rawDiffArgs, specialChanges } from "./diff-raw.js";
import { cloneFromMirror, mirrorProblem } from "./mirror-clone.js";
import { type GitError, GitRunner, type RunOptions } from "./runner.js";
import type { RunResult } from "./spawn.js";
import { scrubSecrets } from "./token.js";

export { goalBranchName, slugify } from "./branch-name.js";

/**
 * The only place goal-orchestrator runs git. One method per git verb; git is started with an
 * argument list, never through a shell.
 *
 * The token (if any) never reaches `.git/config`, the remote URL or any message: network
 * commands get it as a per-process `http.<origin>/.extraheader` entry through
 * GIT_CONFIG_COUNT/KEY/VALUE, and every error text is scrubbed of it (raw, base64 and
 * URL-encoded) before it becomes an Error. A token provider (a function) is asked for the token
 * before each network command (clone, fetch, push, ls-remote), so a short-lived token (a GitHub
 * App installation token lives an hour) is renewed however long the clone is in use; every
 * token it gave is scrubbed. Git never prompts (GIT_TERMINAL_PROMPT=0, no askpass).
 *
 * Git runs with an environment built from scratch (gitEnvironment, environment.ts): no system or
 * global config, no HOME, hooks and fsmonitor off. Network commands talk to the `remote` URL they
 * were given, never to a URL read from the repository's config, so a repository an agent has
 * touched cannot redirect the token elsewhere.
 */
export class Git {
  readonly cwd: string;
  readonly #runner: GitRunner;

  constructor(options: GitOptions) {
    this.cwd = resolve(options.cwd);
    this.#runner = new GitRunner(this.cwd, options);
  }

  /**
   * `git clone` into `dir` (which must not exist or be empty) and a Git working in it.
   *
   * `reference` is a local mirror (`git clone --mirror`, kept up to date by the machine) to start
   * from. When it exists and is on the same filesystem as `dir`, the clone is made from the
   * mirror with `git clone --local` (its objects are hardlinked: nothing is copied or sent, and
   * since git never changes an object file, a later gc or deletion of the mirror cannot break
   * the clone); then origin's URL is set to `url` and what the mirror lacks is fetched from
   * origin, branches and tags pruned to origin's, so the result is what a clone of `url` gives.
   * No alternates link to the mirror stays. A missing or unusable mirror (another filesystem,
   * not a repository, or a step from it failing) costs only a warning: the clone falls back to
   * a plain clone of `url`.
   */
  static async clone(options: CloneOptions): Promise<Git> {
    const dir = resolve(options.dir);
    const args = ["clone", "--quiet"];
    if (options.checkout === false) args.push("--no-checkout");
    const url = options.url;
    if (!url || url.startsWith("-")) throw new UserError(`"${url}" cannot be a repository URL.`);
    await mkdir(dirname(dir), { recursive: true });
    if (options.reference !== undefined) {
      const mirror = resolve(options.reference);
      const problem = await mirrorProblem(mirror, dirname(dir));
      if (problem === null) {
        try {
          return await Git.#cloneFromMirror(mirror, dir, options);
        } catch (error) {
          await rm(dir, { recursive: true, force: true });
          options.warn?.(
            `Cloning from the git mirror ${mirror} failed (${messageOf(error)}); cloning ${scrubSecrets(url, typeof options.token === "string" ? options.token : undefined)} from origin instead.`,
          );
        }
      } else {
        options.warn?.(`The git mirror ${mirror} ${problem}; cloning from origin instead.`);
      }
    }
    args.push("--", url, dir);
    const runner = new Git({
      cwd: dirname(dir),
      token: options.token,
      env: options.env,
      remote: url,
    });
    await runner.#run(args, { network: true });
    return new Git({ cwd: dir, token: options.token, env: options.env, remote: url });
  }

  /** See clone: a hardlinked local clone of the mirror, re-pointed at origin and brought up to date. */
  static async #cloneFromMirror(mirror: string, dir: string, options: CloneOptions): Promise<Git> {
    const git = new Git({ cwd: dir, token: options.token, env: options.env, remote: options.url });
    await cloneFromMirror(mirror, dir, options, git.#runner);
    return git;
  }

  /**
   * A work tree for the agent at `dir`, sharing this clone's objects read-only instead of copying
   * them (`git clone --shared`; the alternates path is relative, so the pair can be moved
   * together). Its `refs/remotes/origin/*` are this clone's, so every branch origin had is
   * there; nothing is checked out yet. The agent's writes go to its own object store: this
   * clone stays as origin gave it, and it is what the runner trusts afterwards.
   */
  async shareInto(dir: string): Promise<Git> {
    const target = resolve(dir);
    await this.#run(["clone", "--quiet", "--shared", "--no-checkout", "--", this.cwd, target]);
    const objects = join(target, ".git", "objects");
    await writeFile(
      join(objects, "info", "alternates"),
      `${relative(objects, join(this.cwd, ".git", "objects"))}\n`,
    );
    const work = new Git({ cwd: target, env: this.#runner.env });
    await work.#run([
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      this.cwd,
      "+refs/remotes/origin/*:refs/remotes/origin/*",
      "^refs/remotes/origin/HEAD",
    ]);
    return work;
  }

  /**
   * An empty bare repository at `dir` that reads the objects of `alternates` (the runner's own
   * clones) without copying them. The runner collects the agent's commits into it: being new,
   * it holds no config, hook or ref that anyone else wrote.
   */
  static async initBare(
    dir: string,
    options: Pick<GitOptions, "token" | "env" | "remote"> & { alternates: string[] },
  ): Promise<Git> {
    const target = resolve(dir);
    await mkdir(target, { recursive: true });
    const git = new Git({ ...options, cwd: target });
    await git.#run(["init", "--quiet", "--bare"]);
    if (options.alternates.length > 0) {
      await writeFile(
        join(target, "objects", "info", "alternates"),
        options.alternates.map((path) => `${resolve(path)}\n`).join(""),
      );
    }
    return git;
  }

  /**
   * Commits what differs in `workTree` from `parent` on top of it, as `author`, and returns the
   * new commit (or `parent` when nothing differs). It runs here, with this repository's own
   * (clean) config and a private index file: the work tree's files are read as data, and
   * nothing in the work tree's own `.git` (config, hooks, fsmonitor, filter drivers, index) is
   * used. `.gitignore` files in the tree are honoured; `.git` folders are never added.
   */
  async commitWorkTree(
    workTree: string,
    parent: string,
    options: { message: string; author: Person; indexFile: string },
  ): Promise<string> {
    const base = checkName("commit", parent);
    const tree = ["--work-tree", resolve(workTree)];
    const env = { GIT_INDEX_FILE: resolve(options.indexFile) };
    await this.#run([...tree, "read-tree", base], { env });
    await this.#run([...tree, "add", "--all"], { env });
    const written = (await this.#run(["write-tree"], { env })).stdout.trim();
    if (written === (await this.headSha(`${base}^{tree}`))) return base;
    const { name, email } = options.author;
    const result = await this.#run(["commit-tree", written, "-p", base, "-F", "-"], {
      input: options.message,
      env: {
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: name,
        GIT_COMMITTER_EMAIL: email,
      },
    });
    return result.stdout.trim();
  }

  /** The newest common ancestor of `a` and `b`, or null when they share no history. */
  async mergeBase(a: string, b: string): Promise<string | null> {
    const result = await this.#run(
      ["merge-base", checkName("commit", a), checkName("commit", b), "--"],
      { allowedExitCodes: [1] },
    );
    return result.exitCode === 0 ? result.stdout.trim() : null;
  }

  /**
   * Fetches `origin`'s branch into `refs/remotes/origin/<branch>` (forced, so a rewritten
   * branch is taken as it is). False when origin has no such branch.
   */
  async fetch(remoteBranch: string): Promise<boolean> {
    const branch = checkName("branch", remoteBranch);
    const result = await this.#run(
      [
        "fetch",
        "--quiet",
        "--no-tags",
        this.#remoteForNetwork(),
        `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
      ],
      { network: true, allowFailure: true },
    );
    if (result.exitCode === 0) return true;
    if (/couldn't find remote ref/i.test(result.stderr)) return false;
    throw this.#error(result);
  }

  /**
   * The branches origin had when it was last fetched from (`refs/remotes/origin/*`, without
   * `HEAD`); asks origin nothing. Right after a full clone, every branch origin has.
   */
  async remoteBranches(): Promise<Set<string>> {
    const result = await this.#run([
      "for-each-ref",
      "--format=%(refname:lstrip=3)",
      "refs/remotes/origin/",
    ]);
    return new Set(result.stdout.split("\n").filter((name) => name && name !== "HEAD"));
  }

  /**
   * Creates (or resets, if it exists locally) `branch` at `startPoint` and checks it out.
   * No upstream is set: pushes name their destination.
   */
  async checkoutNewBranch(branch: string, startPoint: string): Promise<void> {
    await this.#run([
      "checkout",
      "--quiet",
      "--no-track",
      "-B",
      checkName("branch", branch),
      checkName("start point", startPoint),
      "--",
    ]);
  }

  /** Points `ref` (a full name, like refs/remotes/origin/x) at the commit `sha`. */
  async setRef(ref: string, sha: string): Promise<void> {
    await this.#run(["update-ref", checkName("ref", ref), checkName("commit", sha)]);
  }

  /** Points the `origin` remote at `url` (what the agent's own git commands use). */
  async setOriginUrl(url: string): Promise<void> {
    await this.#run(["config", "--", "remote.origin.url", url]);
  }

  /** The branch checked out now (after a plain clone: the remote's default branch). */
  async currentBranch(): Promise<string> {
    return (await this.#run(["symbolic-ref", "--quiet", "--short", "HEAD"])).stdout.trim();
  }

  /** How many commits `head` has that `base` (e.g. `origin/main`) does not. */
  async commitsAhead(base: string, head = "HEAD"): Promise<number> {
    const ref = checkName("base", base);
    const tip = checkName("head", head);
    const result = await this.#run(["rev-list", "--count", `${ref}..${tip}`, "--"]);
    return Number.parseInt(result.stdout.trim(), 10);
  }

  /**
   * What `head` changed since it forked from `base` (`base...head`, committed changes only),
   * as the pull request will show it. Renames are detected: a renamed file counts once and
   * `paths` holds both its old and new path. Binary files count as changed with 0 lines.
   * `paths` is sorted and has no repeats.
   */
  async diffStats(base: string, head = "HEAD"): Promise<DiffStats> {
    const range = `${checkName("base", base)}...${checkName("head", head)}`;
    const [numstat, raw] = await Promise.all([
      this.#run(numstatArgs(range)),
      this.#run(rawDiffArgs(range)),
    ]);
    return { ...parseNumstat(numstat.stdout), ...specialChanges(parseRawDiff(raw.stdout)) };
  }

  /**
   * Pushes the local `branch` to origin's branch of the same name. Never throws for a git
   * failure: `rejected` is true when origin refused because its branch moved (someone else
   * pushed: non-fast-forward, fetch first, stale info); any other failure (network, access,
   * a hook or protection rule refusing it) has `rejected: false`. `message` is git's scrubbed
   * error text.
   */
  async push(
    branch: string,
    options: { force?: boolean; from?: string } = {},
  ): Promise<PushResult> {
    const name = checkName("branch", branch);
    const source =
      options.from === undefined ? `refs/heads/${name}` : checkName("ref", options.from);
    const args = ["push", "--porcelain", "--no-verify"];
    if (options.force) args.push("--force");
    args.push(this.#remoteForNetwork(), `${source}:refs/heads/${name}`);
    const result = await this.#run(args, { network: true, allowFailure: true });
    if (result.exitCode === 0) return { ok: true };
    const refusal = result.stdout
      .split("\n")
      .find((line) => line.startsWith("!\t"))
      ?.split("\t")[2];
    const rejected = /^\[rejected\].*(non-fast-forward|fetch first|stale info)/.test(refusal ?? "");
    const message = this.#scrub(
      [refusal, result.stderr.trim()].filter((part) => part).join("\n") ||
        `git push failed (exit ${result.exitCode})`,
    );
    return { ok: false, rejected, message };
  }

  /** The full SHA of the commit `ref` names (default HEAD); `x^{tree}` names a tree. */
  async headSha(ref = "HEAD"): Promise<string> {
    const name = checkName("ref", ref);
    const object = name.endsWith("^{tree}") ? name : `${name}^{commit}`;
    return (await this.#run(["rev-parse", "--verify", "--quiet", object])).stdout.trim();
  }

  // ---- running git (runner.ts) ----

  #run(args: string[], options?: RunOptions): Promise<RunResult> {
    return this.#runner.run(args, options);
  }

  #remoteForNetwork(): string {
    return this.#runner.remoteForNetwork();
  }

  #error(result: RunResult): GitError {
    return this.#runner.error(result);
  }

  #scrub(text: string): string {
    return this.#runner.scrub(text);
  }
}

export interface GitOptions {
  /** The work tree git runs in. */
  cwd: string;
  /**
   * Sent as an HTTP basic auth header (`x-access-token:<token>`) to origin, never stored. A
   * function is asked for the token before each network command.
   */
  token?: TokenProvider | undefined;
  /**
   * Where git's PATH (and proxy, trace and ssh-agent variables) come from (default: process.env).
   * Nothing else of it reaches git: see gitEnvironment (environment.ts).
   */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * The URL (or path) fetch, push and ls-remote talk to, and the only place the token goes.
   * Without it they name the remote "origin", and a token is refused.
   */
  remote?: string | undefined;
}

export interface CloneOptions {
  url: string;
  dir: string;
  /** A local mirror (`git clone --mirror`) to start from; see Git.clone. */
  reference?: string | undefined;
  token?: TokenProvider | undefined;
  /**
   * False: HEAD names the branch but no file is written (no index either), for a caller that
   * checks out a branch next and would otherwise write the work tree twice. Default true.
   */
  checkout?: boolean | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Told why the mirror was not used (missing, unusable), when a reference was given. */
  warn?: ((message: string) => void) | undefined;
}

/** A token, or a function giving a valid one each time it is asked (it may renew it). */
export type TokenProvider = string | (() => Promise<string>);

export interface Person {
  name: string;
  email: string;
}

export interface DiffStats {
  filesChanged: number;
  linesAdded: number;
  linesDeleted: number;
  paths: string[];
  /** Paths where a symbolic link was added, changed or removed (see diff-raw.ts). */
  links: string[];
  /** Paths of submodules added, moved or removed. */
  submodules: string[];
}

export type PushResult = { ok: true } | { ok: false; rejected: boolean; message: string };

/** Refuses names git would read as options or that could never be refs. */
function checkName(what: string, value: string): string {
  const unprintable = [...value].some((char) => char <= " " || char === "\u007f");
  if (!value || value.startsWith("-") || unprintable) {
    throw new UserError(`"${value}" cannot be a git ${what}.`);
  }
  return value;
}
