import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { messageOf, UserError } from "../core/errors.js";

import { parseRawDiff, rawDiffArgs, specialChanges } from "./diff-raw.js";

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
 * Git runs with an environment built from scratch (see gitEnvironment): no system or global
 * config, no HOME, hooks and fsmonitor off. Network commands talk to the `remote` URL they were
 * given, never to a URL read from the repository's config, so a repository an agent has touched
 * cannot redirect the token elsewhere.
 */
export class Git {
  readonly cwd: string;
  readonly #token: TokenProvider | undefined;
  /** Every token used so far (a provider may give several), for scrubbing. */
  readonly #tokens = new Set<string>();
  readonly #env: NodeJS.ProcessEnv;
  /** The URL (or path) network commands talk to; "origin" when none was given. */
  readonly #remote: string | undefined;

  constructor(options: GitOptions) {
    this.cwd = resolve(options.cwd);
    this.#token = options.token || undefined;
    if (typeof this.#token === "string") this.#tokens.add(this.#token);
    this.#env = gitEnvironment(options.env ?? process.env);
    this.#remote = options.remote;
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
    const { url, token, env } = options;
    const outside = new Git({ cwd: dirname(dir), token, env, remote: url });
    // origin's default branch, asked while the local clone runs (git fetch does not tell it)
    const remoteHead = outside
      .#run(["ls-remote", "--symref", url, "HEAD"], { network: true })
      .then((result) => /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(result.stdout)?.[1] ?? null);
    remoteHead.catch(() => {}); // awaited below; not unhandled if the local clone fails first
    await outside.#run(["clone", "--quiet", "--local", "--no-checkout", "--", mirror, dir]);
    const git = new Git({ cwd: dir, token, env, remote: url });
    await git.#run(["config", "--", "remote.origin.url", url]);
    // no automatic maintenance in a fresh clone (a plain clone runs none either)
    await git.#run(
      [
        "-c",
        "maintenance.auto=false",
        "fetch",
        "--quiet",
        "--prune",
        "--prune-tags",
        "--force",
        url,
        "+refs/heads/*:refs/remotes/origin/*",
        "+refs/tags/*:refs/tags/*",
      ],
      { network: true },
    );
    const branch = await remoteHead;
    if (branch === null) throw new Error(`origin ${url} names no default branch`);
    // One look at the refs: the local clone made one local branch, the mirror's HEAD branch.
    const refs = (
      await git.#run([
        "for-each-ref",
        "--format=%(refname) %(symref)",
        "refs/heads/",
        "refs/remotes/origin/",
      ])
    ).stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ") as [string, string]);
    const remote = new Map(refs.filter(([name]) => name.startsWith("refs/remotes/")));
    const local = refs.filter(([name]) => name.startsWith("refs/heads/")).map(([name]) => name);
    const tracking = (name: string) => `refs/remotes/origin/${name}`;
    if (!remote.has(tracking(branch))) throw new Error(`origin has no branch ${branch}`);
    const originHead = tracking("HEAD");
    if (remote.get(originHead) !== tracking(branch)) {
      await git.#run(["symbolic-ref", originHead, tracking(branch)]);
    }
    await git.#run(["update-ref", `refs/heads/${branch}`, tracking(branch)]);
    if (local.length !== 1 || local[0] !== `refs/heads/${branch}`) {
      // the mirror's HEAD was another branch: HEAD, the local branch and its upstream move over
      await git.#run(["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
      await git.#run(["branch", "--quiet", `--set-upstream-to=origin/${branch}`]);
      const others = local.filter((name) => name !== `refs/heads/${branch}`);
      if (others.length > 0) {
        const names = others.map((name) => name.slice("refs/heads/".length));
        await git.#run(["branch", "--quiet", "-D", "--", ...names]);
      }
    }
    if (options.checkout !== false) await git.#run(["checkout", "--quiet", "--force"]);
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
    const work = new Git({ cwd: target, env: this.#env });
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
      this.#run([
        "-c",
        "core.quotePath=false",
        "diff",
        "--numstat",
        "-z",
        "-M",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules=none",
        range,
        "--",
      ]),
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

  // ---- running git ----

  async #run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    let env: NodeJS.ProcessEnv;
    try {
      env = await this.#childEnv(options);
    } catch (error) {
      // the token provider failed: no git ran
      const message = this.#scrub(
        `git ${args.find((arg) => !arg.startsWith("-") && !arg.includes("=")) ?? ""} needs a token, which could not be had: ${messageOf(error)}`,
      );
      if (!options.allowFailure) throw new GitError(message, args, -1, message);
      return { args, exitCode: -1, stdout: "", stderr: message };
    }
    await checkGitVersion(this.cwd, env);
    const result = await spawnGit(args, this.cwd, env, options.input);
    const allowed = options.allowedExitCodes ?? [];
    if (result.exitCode === 0 || allowed.includes(result.exitCode) || options.allowFailure) {
      return result;
    }
    throw this.#error(result);
  }

  async #childEnv(options: RunOptions): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = { ...this.#env, ...options.env };
    if (options.network && this.#token) {
      const origin = httpOrigin(this.#remoteForNetwork());
      if (origin) {
        const token = await this.#currentToken();
        addConfig(env, `http.${origin}.extraheader`, `AUTHORIZATION: basic ${basicAuth(token)}`);
        addConfig(env, "credential.helper", ""); // the header is the credential: no helper, no prompt
      }
    }
    return env;
  }

  /** The token for the next network command: the fixed one, or what the provider gives now. */
  async #currentToken(): Promise<string> {
    const provider = this.#token;
    if (provider === undefined) throw new Error("no token");
    if (typeof provider === "string") return provider;
    const token = await provider();
    if (!token) throw new Error("the token provider gave an empty token");
    this.#tokens.add(token);
    return token;
  }

  /**
   * What network commands name as their remote: the URL this Git was given. Never a URL read
   * from the repository's config, which whoever wrote to the repository could have changed.
   */
  #remoteForNetwork(): string {
    if (this.#remote !== undefined) return this.#remote;
    if (this.#token !== undefined) {
      throw new UserError(
        "A token is only sent to a remote URL given to Git, never to a configured one.",
      );
    }
    return "origin";
  }

  #error(result: RunResult): GitError {
    const detail = result.stderr.trim() || result.stdout.trim();
    const verb = result.args.find((arg) => !arg.startsWith("-") && !arg.includes("=")) ?? "git";
    return new GitError(
      this.#scrub(`git ${verb} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ""}`),
      result.args.map((arg) => this.#scrub(arg)),
      result.exitCode,
      this.#scrub(result.stderr),
    );
  }

  #scrub(text: string): string {
    return scrubSecrets(text, this.#tokens);
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
   * Nothing else of it reaches git: see gitEnvironment.
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

/** A git command that failed; message, args and stderr are scrubbed of the token. */
export class GitError extends UserError {
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;

  constructor(message: string, args: readonly string[], exitCode: number, stderr: string) {
    super(message);
    this.name = "GitError";
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

interface RunOptions {
  /** Exit codes that are answers, not failures. */
  allowedExitCodes?: number[];
  /** Return any result instead of throwing. */
  allowFailure?: boolean;
  /** Talks to origin: gets the auth header when there is a token. */
  network?: boolean;
  input?: string;
  env?: Record<string, string>;
}

interface RunResult {
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The oldest git that reads GIT_CONFIG_COUNT/KEY/VALUE (2.31). An older git ignores them without
 * a word: it would push without the token header, and run without the settings that keep hooks,
 * fsmonitor and ext:: URLs off.
 */
const MIN_GIT_VERSION = "2.31";

/** Why this `git --version` answer is not a git goal-orchestrator can use, or null when it is. */
export function gitVersionProblem(answer: string): string | null {
  const [major = 0, minor = 0] = MIN_GIT_VERSION.split(".").map(Number);
  const match = /^git version (\d+)\.(\d+)/.exec(answer.trim());
  const install = `install git ${MIN_GIT_VERSION} or newer (Ubuntu 20.04: add-apt-repository ppa:git-core/ppa, then apt-get install git) and put it first on PATH`;
  if (!match) return `Could not tell git's version from "${answer.trim()}": ${install}.`;
  const found = [Number(match[1]), Number(match[2])] as const;
  if (found[0] > major || (found[0] === major && found[1] >= minor)) return null;
  return `git ${found.join(".")} is too old: it ignores the token header (GIT_CONFIG_COUNT) and would push without it. ${install[0]?.toUpperCase()}${install.slice(1)}.`;
}

/** One check per PATH (each finds its own git), kept for the process once it has passed. */
const gitVersionChecks = new Map<string, Promise<void>>();

async function checkGitVersion(cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const key = env.PATH ?? "";
  let check = gitVersionChecks.get(key);
  if (check === undefined) {
    check = spawnGit(["--version"], cwd, env).then((result) => {
      const problem = gitVersionProblem(result.stdout);
      if (problem) throw new UserError(problem);
    });
    gitVersionChecks.set(key, check);
    // Only a check that passed is kept: one that failed, or could not run, runs again next time.
    check.catch(() => gitVersionChecks.delete(key));
  }
  await check;
}

function spawnGit(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("git", args, {
      cwd,
      env,
      shell: false,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") reject(error);
      else if (!existsSync(cwd)) reject(new UserError(`The directory ${cwd} does not exist.`));
      else
        reject(new UserError("git was not found: install git (2.31 or newer) and put it on PATH."));
    });
    child.on("close", (code, signal) => {
      resolvePromise({
        args,
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
    if (input !== undefined && child.stdin) {
      child.stdin.on("error", () => {}); // git may exit before reading it all; its exit code tells
      child.stdin.end(input);
    }
  });
}

/** Refuses names git would read as options or that could never be refs. */
function checkName(what: string, value: string): string {
  const unprintable = [...value].some((char) => char <= " " || char === "\u007f");
  if (!value || value.startsWith("-") || unprintable) {
    throw new UserError(`"${value}" cannot be a git ${what}.`);
  }
  return value;
}

/**
 * Why `mirror` cannot be hardlinked into a clone under `parent`, or null when it can: it must
 * be a repository (bare, as `git clone --mirror` makes it, or not) on the same filesystem.
 */
async function mirrorProblem(mirror: string, parent: string): Promise<string | null> {
  let objects: Awaited<ReturnType<typeof stat>> | null = null;
  for (const candidate of [join(mirror, "objects"), join(mirror, ".git", "objects")]) {
    objects = await stat(candidate).catch(() => null);
    if (objects?.isDirectory()) break;
    objects = null;
  }
  if (objects === null) {
    return existsSync(mirror) ? "is not a git repository" : "does not exist";
  }
  const target = await stat(parent);
  if (objects.dev !== target.dev) {
    return `is on another filesystem than ${parent}, so its objects cannot be hardlinked`;
  }
  return null;
}

/** Variables of the caller's environment that git still gets: what it needs to run and reach a network. */
const GIT_PASSED_ENV =
  /^(PATH|TMPDIR|SYSTEMROOT|SSH_AUTH_SOCK|GIT_SSH_COMMAND|GIT_TRACE\w*|GIT_CURL_VERBOSE|GIT_SSL_CAINFO|GIT_SSL_CAPATH|(?:https?|no|all)_proxy|(?:HTTPS?|NO|ALL)_PROXY)$/;

/**
 * The environment every git command runs with, built from scratch: never the caller's secrets
 * (the App key, INPUT_* values), never a config file outside the repository (no system or global
 * config, no HOME, so no ~/.gitconfig, ~/.config/git/attributes or excludes an agent could have
 * written), never a hook or an fsmonitor, never a prompt; messages in English for parsing.
 */
export function gitEnvironment(from: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && GIT_PASSED_ENV.test(name)) env[name] = value;
  }
  Object.assign(env, {
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "", // empty: no askpass program, and core.askPass is not consulted
    SSH_ASKPASS: "",
    GCM_INTERACTIVE: "never",
    LC_ALL: "C",
    LANGUAGE: "C",
  });
  // Config given this way wins over the repository's own .git/config.
  addConfig(env, "core.hooksPath", "/dev/null");
  addConfig(env, "core.fsmonitor", "false");
  addConfig(env, "protocol.ext.allow", "never");
  return env;
}

/** Appends one entry to the GIT_CONFIG_COUNT/KEY/VALUE list (keeping the caller's entries). */
function addConfig(env: NodeJS.ProcessEnv, key: string, value: string): void {
  const count = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10);
  const index = Number.isSafeInteger(count) && count > 0 ? count : 0;
  env[`GIT_CONFIG_KEY_${index}`] = key;
  env[`GIT_CONFIG_VALUE_${index}`] = value;
  env.GIT_CONFIG_COUNT = String(index + 1);
}

function basicAuth(token: string): string {
  return Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
}

/** `https://host[:port]/` for http(s) URLs (user info dropped); null for ssh, file and paths. */
export function httpOrigin(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    return `${parsed.protocol}//${parsed.host}/`;
  } catch {
    return null;
  }
}

/** Replaces the token(s) (raw, in basic-auth base64, URL-encoded) and URL user info with `***`. */
export function scrubSecrets(text: string, token: string | Iterable<string> | undefined): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
  const tokens = typeof token === "string" ? [token] : [...(token ?? [])];
  if (tokens.length > 0) {
    const secrets = new Set(
      tokens
        .filter(Boolean)
        .flatMap((t) => [
          t,
          basicAuth(t),
          Buffer.from(t, "utf8").toString("base64"),
          encodeURIComponent(t),
        ]),
    );
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join("***");
    }
  }
  return out;
}

/** Parses `git diff --numstat -z -M` output. */
function parseNumstat(output: string): Omit<DiffStats, "links" | "submodules"> {
  const fields = output.split("\0");
  const paths = new Set<string>();
  let filesChanged = 0;
  let linesAdded = 0;
  let linesDeleted = 0;
  let i = 0;
  while (i < fields.length) {
    const record = fields[i++] ?? "";
    if (record === "") continue;
    const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(record);
    if (!match) continue;
    filesChanged++;
    if (match[1] !== "-") linesAdded += Number(match[1]);
    if (match[2] !== "-") linesDeleted += Number(match[2]);
    if (match[3]) {
      paths.add(match[3]);
    } else {
      // A rename or copy: the old and the new path follow as their own fields.
      const from = fields[i++];
      const to = fields[i++];
      if (from) paths.add(from);
      if (to) paths.add(to);
    }
  }
  return { filesChanged, linesAdded, linesDeleted, paths: [...paths].sort() };
}
