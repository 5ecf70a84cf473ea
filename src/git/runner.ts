/**
 * How one git command runs for a Git: in the environment built from scratch (environment.ts),
 * with the token as a per-command header on network commands only, after the version check, and
 * with every error scrubbed of each token this runner used before it leaves. Git's verbs build
 * the argument lists; this module owns everything between them and the child process.
 */
import { messageOf, UserError } from "../core/errors.js";
import { addConfig, gitEnvironment } from "./environment.js";
import type { GitOptions, TokenProvider } from "./git.js";
import { type RunResult, spawnGit } from "./spawn.js";
import { basicAuth, httpOrigin, scrubSecrets } from "./token.js";
import { checkGitVersion } from "./version.js";

export interface RunOptions {
  /** Exit codes that are answers, not failures. */
  allowedExitCodes?: number[];
  /** Return any result instead of throwing. */
  allowFailure?: boolean;
  /** Talks to origin: gets the auth header when there is a token. */
  network?: boolean;
  input?: string;
  env?: Record<string, string>;
}

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

/** Runs git in one directory for one Git, which keeps it for its whole life. */
export class GitRunner {
  readonly cwd: string;
  /** The environment every command starts from (see gitEnvironment). */
  readonly env: NodeJS.ProcessEnv;
  readonly #token: TokenProvider | undefined;
  /** Every token used so far (a provider may give several), for scrubbing. */
  readonly #tokens = new Set<string>();
  /** The URL (or path) network commands talk to; "origin" when none was given. */
  readonly #remote: string | undefined;

  constructor(cwd: string, options: Pick<GitOptions, "token" | "env" | "remote">) {
    this.cwd = cwd;
    this.#token = options.token || undefined;
    if (typeof this.#token === "string") this.#tokens.add(this.#token);
    this.env = gitEnvironment(options.env ?? process.env);
    this.#remote = options.remote;
  }

  async run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    let env: NodeJS.ProcessEnv;
    try {
      env = await this.#childEnv(options);
    } catch (error) {
      // the token provider failed: no git ran
      const message = this.scrub(
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
    throw this.error(result);
  }

  async #childEnv(options: RunOptions): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = { ...this.env, ...options.env };
    if (options.network && this.#token) {
      const origin = httpOrigin(this.remoteForNetwork());
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
  remoteForNetwork(): string {
    if (this.#remote !== undefined) return this.#remote;
    if (this.#token !== undefined) {
      throw new UserError(
        "A token is only sent to a remote URL given to Git, never to a configured one.",
      );
    }
    return "origin";
  }

  error(result: RunResult): GitError {
    const detail = result.stderr.trim() || result.stdout.trim();
    const verb = result.args.find((arg) => !arg.startsWith("-") && !arg.includes("=")) ?? "git";
    return new GitError(
      this.scrub(`git ${verb} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ""}`),
      result.args.map((arg) => this.scrub(arg)),
      result.exitCode,
      this.scrub(result.stderr),
    );
  }

  /** The text with every token this runner used (and URL user info) replaced by `***`. */
  scrub(text: string): string {
    return scrubSecrets(text, this.#tokens);
  }
}
