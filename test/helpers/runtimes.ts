import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export interface Runtime {
  name: string;
  node: string;
}

const NODE24 = resolve("tools/node24/node_modules/.bin/node");

/**
 * The Node versions bundles must run on: this one (development, Node 20) and Node 24 (what
 * GitHub runs `node24` actions with). CI installs Node 24 from tools/node24; on a
 * developer's machine without it the Node 24 runs are skipped, in CI they are required.
 */
export function bundleRuntimes(): Runtime[] {
  const runtimes = [{ name: `node ${process.versions.node}`, node: process.execPath }];
  if (existsSync(NODE24)) runtimes.push({ name: "node 24", node: NODE24 });
  else if (process.env.CI) {
    throw new Error(
      "Node 24 is missing: run `npm ci --prefix tools/node24` (CI must test the bundles under Node 24).",
    );
  }
  return runtimes;
}

export interface RunResult {
  code: number | null;
  /** The signal that ended it, or null when it exited. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  /** Told of the program once it started (to signal it, say). */
  started?: (child: ChildProcess) => void;
}

/** Runs a program to its end, feeding `input` on standard input. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? {},
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? "");
    options.started?.(child);
  });
}
