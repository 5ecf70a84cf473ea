/**
 * Starting git as a child process: an argument list, never a shell; output collected whole.
 * A missing git or working directory becomes a UserError that says which.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { UserError } from "../core/errors.js";

export interface RunResult {
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function spawnGit(
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
