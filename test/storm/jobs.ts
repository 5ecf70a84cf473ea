// The bundled actions run as a workflow runs them: one process per step, inputs as INPUT_*
// variables, GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files. Unlike
// test/helpers/action-runner.ts, a step here can be killed at any moment, as a VM that dies
// kills it: each step leads its own process group, so `kill -9` reaches the git commands it
// started too (the agent lives in a sandbox of its own, which must die with its parent).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readOutputs } from "../helpers/action-runner.js";

export type Action = "dispatch" | "run";

export interface StepResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** What the step saved for its post step (core.saveState), read even after a kill. */
  state: Record<string, string>;
  /** Killed by the harness (a phase kill), not ended on its own. */
  killed: boolean;
  /** Killed because it ran past its time limit. */
  timedOut: boolean;
  ms: number;
}

export interface Step {
  pid: number;
  /** Everything the step printed so far. */
  stdout(): string;
  /** SIGKILL to the step's whole process group, at once. */
  kill(): void;
  /** Resolves once the step's process has exited. */
  readonly done: Promise<StepResult>;
}

export interface StepOptions {
  /** The main step's saved state: runs the bundle as the post step. */
  state?: Record<string, string>;
  /** Killed (and marked timedOut) past this. */
  timeoutMs: number;
  /** Called with each line the step prints, as it prints it. */
  onLine?: (line: string) => void;
  /** Where the bundles are (default dist/; the soak can try another build). */
  dist?: string;
}

/** Starts one step of a bundled action. */
export function startStep(
  action: Action,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
  options: StepOptions,
): Step {
  const dir = mkdtempSync(join(tmpdir(), "goal-storm-step-"));
  const files = {
    output: join(dir, "output"),
    summary: join(dir, "summary"),
    state: join(dir, "state"),
  };
  for (const file of Object.values(files)) writeFileSync(file, "");
  const fullEnv: NodeJS.ProcessEnv = {
    ...env,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
  };
  for (const [name, value] of Object.entries(inputs))
    fullEnv[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) fullEnv[`STATE_${name}`] = value;

  const started = Date.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [resolve(options.dist ?? "dist", action, "index.js")],
    {
      env: fullEnv,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const pid = child.pid ?? -1;
  let stdout = "";
  let stderr = "";
  let partial = "";
  let killed = false;
  let timedOut = false;
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) options.onLine?.(line);
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const killGroup = () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  const done = new Promise<StepResult>((resolveDone) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // Whatever is left of the group (a git command the step started) dies with it, as on a VM.
      killGroup();
      const read = (file: string) => {
        try {
          return readFileSync(file, "utf8");
        } catch {
          return "";
        }
      };
      const result: StepResult = {
        code,
        signal,
        stdout,
        stderr,
        outputs: readOutputs(read(files.output)),
        state: readOutputs(read(files.state)),
        killed,
        timedOut,
        ms: Date.now() - started,
      };
      rmSync(dir, { recursive: true, force: true });
      resolveDone(result);
    });
  });
  return {
    pid,
    stdout: () => stdout,
    kill: () => {
      killed = true;
      killGroup();
    },
    done,
  };
}

/** Host pids of live processes (zombies excepted) whose command line holds `text`. */
export { processesWith } from "../helpers/processes.js";
