// Test helpers for the git layer: throwaway repositories in temp dirs, a git environment that
// ignores the machine's own git configuration, and a smart-HTTP git server that wants a token.
import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { serveWithHttpBackend } from "../helpers/git-http-backend.js";

export interface Sandbox {
  root: string;
  /** The environment every git in the test runs with (own HOME and global config, no system config). */
  env: NodeJS.ProcessEnv;
  /** Runs git synchronously for setting things up; returns trimmed stdout. */
  git(cwd: string, ...args: string[]): string;
  path(...parts: string[]): string;
  cleanup(): void;
}

export function sandbox(prefix = "goal-git-"): Sandbox {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const home = join(root, "home");
  mkdirSync(home);
  const globalConfig = join(home, ".gitconfig");
  writeFileSync(
    globalConfig,
    "[init]\n\tdefaultBranch = main\n[user]\n\tname = Setup\n\temail = setup@example.com\n",
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("GIT_")) env[key] = value;
  }
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_CONFIG_NOSYSTEM: "1",
  });
  return {
    root,
    env,
    git(cwd, ...args) {
      return execFileSync("git", args, {
        cwd,
        env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 256 * 1024 * 1024,
      }).trim();
    },
    path: (...parts) => join(root, ...parts),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface Origin {
  /** The bare repository. */
  bare: string;
  /** file:// URL of the bare repository. */
  url: string;
  /** A separate working clone ("someone else"), for changing origin behind the tested clone's back. */
  other: string;
}

/** A bare origin whose `main` holds `files` in one commit, plus another person's clone of it. */
export function makeOrigin(
  box: Sandbox,
  name: string,
  files: Record<string, string> = { "README.md": "# demo\n" },
): Origin {
  const bare = box.path(`${name}.git`);
  box.git(box.root, "init", "--quiet", "--bare", bare);
  const other = box.path(`${name}-other`);
  box.git(box.root, "init", "--quiet", other);
  writeFiles(other, files);
  box.git(other, "add", "--all");
  box.git(other, "commit", "--quiet", "-m", "initial");
  box.git(other, "remote", "add", "origin", bare);
  box.git(other, "push", "--quiet", "origin", "main");
  return { bare, url: pathToFileURL(bare).href, other };
}

/** Stages everything in `dir` and commits it; false when there was nothing to commit. */
export function commitEverything(box: Sandbox, dir: string, message: string): boolean {
  box.git(dir, "add", "--all");
  if (box.git(dir, "status", "--porcelain") === "") return false;
  box.git(dir, "commit", "--quiet", "--no-verify", "-m", message);
  return true;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

export interface GitHttpServer {
  /** Base URL; a repository `<root>/x.git` is at `${url}/x.git`. */
  url: string;
  /** The Authorization header of every request (undefined when none was sent). */
  authorizations: (string | undefined)[];
  /** The User-Agent header of every request. */
  userAgents: (string | undefined)[];
  /** Response body bytes sent so far (what a clone or fetch downloaded). */
  bytesSent(): number;
  close(): Promise<void>;
}

/**
 * Git's smart HTTP protocol over `git http-backend`, serving the bare repositories under
 * `projectRoot`. Every request must carry `Authorization: Basic base64(x-access-token:<token>)`
 * (as GitHub accepts a token), else it gets 401, like a private repository.
 */
export async function startGitHttpServer(
  projectRoot: string,
  /** The token origin accepts; a function is asked on every request (a token that rotates). */
  token: string | (() => string),
  env: NodeJS.ProcessEnv,
): Promise<GitHttpServer> {
  const basic = (value: string) =>
    `basic ${Buffer.from(`x-access-token:${value}`).toString("base64")}`;
  const authorizations: (string | undefined)[] = [];
  const userAgents: (string | undefined)[] = [];
  let bytesSent = 0;
  const children = new Set<ChildProcess>();
  const server: Server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    userAgents.push(req.headers["user-agent"]);
    const expected = basic(typeof token === "string" ? token : token());
    if (req.headers.authorization?.toLowerCase() !== expected.toLowerCase()) {
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="test"' }).end("unauthorized\n");
      return;
    }
    serveWithHttpBackend(req, res, {
      env,
      projectRoot,
      pathInfo: decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname),
      children,
      onBody: (bytes) => {
        bytesSent += bytes;
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    userAgents,
    bytesSent: () => bytesSent,
    close: () =>
      new Promise((resolve) => {
        for (const child of children) child.kill();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
