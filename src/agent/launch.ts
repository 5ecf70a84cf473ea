import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable, Writable } from "node:stream";
import { formatDuration } from "../core/duration.js";
import { UserError } from "../core/errors.js";
import { LineSplitter } from "./lines.js";

/**
 * Runs one agent process (design §4 and §7).
 *
 * - No shell: `argv[0]` is looked up on the PATH of `env`, the rest are its arguments.
 * - The agent leads its own process group (`detached: true`). Every stop — time limit, idle
 *   limit, interrupt — sends SIGTERM to the whole group, then SIGKILL after `graceSeconds`. When
 *   the agent itself exits, the group gets one more SIGKILL, so nothing it started survives it
 *   (a child that ignores SIGTERM, a forgotten background job). Processes that left the group
 *   on purpose (setsid) are out of reach; their hold on the output pipes is dropped a few seconds
 *   after the agent exits so the run still ends.
 * - stdout and stderr are read line by line (`\n` or `\r\n`; a final line without a newline
 *   counts; a line longer than {@link MAX_LINE_CHARS} characters is split into several). Each
 *   line goes to `onLine` and is appended to `logFile`. The log holds exactly the agent's lines,
 *   stdout and stderr interleaved in the order they arrived, with no prefix or timestamp, so it
 *   reads like the agent's terminal; output is decoded as UTF-8 and written back as UTF-8 with
 *   `\n` line ends.
 * - Memory stays bounded whatever the volume: when the log file falls behind, the agent's pipes
 *   are paused (the agent then blocks on its writes) until the file catches up.
 */

export interface AgentLaunch {
  /** Already rendered from the template; argv[0] is the program (PATH lookup), never a shell. */
  argv: string[];
  cwd: string;
  /** The COMPLETE environment the agent gets (see buildAgentEnv). */
  env: Record<string, string>;
  /** Hard limit: SIGTERM to the whole process group, SIGKILL `graceSeconds` later. */
  timeoutSeconds: number;
  /** Default 30. */
  graceSeconds?: number;
  /** Stop the agent (same SIGTERM → SIGKILL) when it prints nothing for this long. */
  idleTimeoutSeconds?: number | null;
  /** Every output line is appended here (parent folders are created). */
  logFile: string;
  /**
   * Called for every line, synchronously, in order; keep it cheap (it runs between reads of the
   * agent's output). An exception it throws is ignored so that the run and the log go on.
   */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Interrupt (job cancelled): SIGTERM → SIGKILL the group; the result says "interrupted". */
  signal?: AbortSignal;
  /**
   * argv[0] is bubblewrap: SIGTERM then goes to every process of the group but bwrap itself.
   * bwrap does not pass signals on, and its death tears the sandbox down at once, so a SIGTERM
   * to it would deny the agent its grace period.
   */
  sandboxed?: boolean;
}

export type AgentExitReason =
  | "exited"
  | "timeout"
  | "idle-timeout"
  | "interrupted"
  | "spawn-failed";

export interface AgentResult {
  exitCode: number | null;
  /** The signal that ended the agent, like "SIGTERM"; null when it exited by itself. */
  signal: string | null;
  exitReason: AgentExitReason;
  /** From start to the agent's exit. */
  durationSeconds: number;
  /** Bytes read from stdout and stderr together. */
  outputBytes: number;
  /** The last {@link LAST_LINES} output lines (stdout and stderr), for failure reports. */
  lastLines: string[];
  /** Why the agent could not be started, for exitReason "spawn-failed". */
  spawnError?: string;
  /** Set when the log file could not be written to completely (a full disk, say). */
  logError?: string;
}

export const DEFAULT_GRACE_SECONDS = 30;
export const LAST_LINES = 50;
export { MAX_LINE_CHARS } from "./lines.js";

/** How long to wait, once the agent has exited, for its output pipes to close. */
const PIPE_CLOSE_SECONDS = 5;
/** setTimeout cannot wait longer than this; longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function launchAgent(launch: AgentLaunch): Promise<AgentResult> {
  checkLaunch(launch);
  const graceSeconds = launch.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const program = launch.argv[0] as string;
  const failed = (spawnError: string): AgentResult => ({
    exitCode: null,
    signal: null,
    exitReason: "spawn-failed",
    durationSeconds: 0,
    outputBytes: 0,
    lastLines: [],
    spawnError,
  });

  if (launch.signal?.aborted) {
    const { spawnError: _none, ...notStarted } = failed("");
    return { ...notStarted, exitReason: "interrupted" };
  }
  if (!(await isDirectory(launch.cwd))) {
    return failed(`agent working directory does not exist: ${launch.cwd}`);
  }
  const log = await openLog(launch.logFile);

  return new Promise<AgentResult>((resolve) => {
    const startedAt = performance.now();
    let lastOutputAt = startedAt;
    let exitedAt: number | null = null;
    let exitReason: AgentExitReason | null = null;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let outputBytes = 0;
    let logError: string | undefined;
    let finished = false;
    const lastLines = new RingBuffer<string>(LAST_LINES);
    const timers = new Set<NodeJS.Timeout>();

    let child: ChildProcess;
    try {
      child = spawn(program, launch.argv.slice(1), {
        cwd: launch.cwd,
        env: launch.env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        windowsHide: true,
      });
    } catch (error) {
      // Most failures arrive as an "error" event; a few (E2BIG, a NUL byte) are thrown.
      log.stream.end(() =>
        resolve(failed(describeSpawnError(program, error as NodeJS.ErrnoException))),
      );
      return;
    }
    const pid = child.pid;
    if (pid === undefined || child.stdout === null || child.stderr === null) {
      // Not started (ENOENT, EACCES, EMFILE, …): the reason comes as an "error" event.
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.once("error", (error: NodeJS.ErrnoException) => {
        log.stream.end(() => resolve(failed(describeSpawnError(program, error))));
      });
      return;
    }
    const stdout = child.stdout;
    const stderr = child.stderr;

    const clearTimers = () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    };
    /** Calls `fire` once `deadline()` has passed; re-reads the deadline when the timer goes off. */
    const armDeadline = (deadline: () => number, fire: () => void) => {
      const wait = () => {
        const remaining = deadline() - performance.now();
        if (remaining > 0) {
          const timer = setTimeout(
            () => {
              timers.delete(timer);
              wait();
            },
            Math.min(Math.ceil(remaining), MAX_TIMER_MS),
          );
          timers.add(timer);
        } else fire();
      };
      wait();
    };
    const stop = (reason: AgentExitReason) => {
      if (exitReason !== null || exitedAt !== null) return;
      exitReason = reason;
      if (launch.sandboxed) killGroupBut(pid, "SIGTERM");
      else killGroup(pid, "SIGTERM");
      const killAt = performance.now() + graceSeconds * 1000;
      armDeadline(
        () => killAt,
        () => killGroup(pid, "SIGKILL"),
      );
    };
    const onAbort = () => stop("interrupted");

    // --- output --------------------------------------------------------------------------------
    let paused = false;
    const pauseForLog = () => {
      if (paused) return;
      paused = true;
      stdout.pause();
      stderr.pause();
      log.stream.once("drain", () => {
        paused = false;
        stdout.resume();
        stderr.resume();
      });
    };
    const writeLines = (lines: string[], name: "stdout" | "stderr") => {
      if (lines.length === 0) return;
      for (const line of lines) {
        if (launch.onLine) {
          try {
            launch.onLine(line, name);
          } catch {
            // Documented: the callback's errors must not stop the run or the log.
          }
        }
      }
      lastLines.pushAll(lines);
      if (logError === undefined && !log.stream.write(`${lines.join("\n")}\n`)) pauseForLog();
    };
    log.stream.on("error", (error) => {
      logError ??= `could not write the agent log ${launch.logFile}: ${error.message}`;
      if (paused) {
        paused = false;
        stdout.resume();
        stderr.resume();
      }
    });
    const readStream = (stream: Readable, name: "stdout" | "stderr") => {
      const splitter = new LineSplitter();
      stream.on("data", (chunk: Buffer) => {
        outputBytes += chunk.length;
        lastOutputAt = performance.now();
        writeLines(splitter.push(chunk), name);
      });
      // "end" (all data read) or "close" (destroyed while an escaped process held the pipe).
      const flush = () => writeLines(splitter.end(), name);
      stream.once("end", flush);
      stream.once("close", flush);
      stream.on("error", () => {});
    };
    readStream(stdout, "stdout");
    readStream(stderr, "stderr");

    // --- lifetime ------------------------------------------------------------------------------
    const finish = (result: AgentResult) => {
      if (finished) return;
      finished = true;
      clearTimers();
      launch.signal?.removeEventListener("abort", onAbort);
      log.stream.end(() => {
        if (logError !== undefined) result.logError = logError;
        resolve(result);
      });
      // end()'s callback is not called when the stream failed; "close" always comes.
      log.stream.once("close", () => {
        if (logError !== undefined) result.logError = logError;
        resolve(result);
      });
    };

    // After a successful start, "error" only reports a failed child.kill(), which is not used.
    child.on("error", () => {});

    child.once("exit", (code, signal) => {
      exitedAt = performance.now();
      exitCode = code;
      exitSignal = signal;
      clearTimers();
      // Whatever the agent started dies with it.
      killGroup(pid, "SIGKILL");
      // A process outside the group may still hold the pipes: stop waiting for them after a
      // while (but not while the pipes are only paused because the log is catching up).
      const closePipes = () => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (paused) closePipes();
          else {
            stdout.destroy();
            stderr.destroy();
          }
        }, PIPE_CLOSE_SECONDS * 1000);
        timers.add(timer);
      };
      closePipes();
    });

    child.once("close", () => {
      if (exitedAt === null) return;
      finish({
        exitCode,
        signal: exitSignal,
        exitReason: exitReason ?? "exited",
        durationSeconds: (exitedAt - startedAt) / 1000,
        outputBytes,
        lastLines: lastLines.toArray(),
      });
    });

    armDeadline(
      () => startedAt + launch.timeoutSeconds * 1000,
      () => stop("timeout"),
    );
    const idle = launch.idleTimeoutSeconds;
    if (idle !== undefined && idle !== null) {
      armDeadline(
        () => lastOutputAt + idle * 1000,
        () => stop("idle-timeout"),
      );
    }
    launch.signal?.addEventListener("abort", onAbort, { once: true });
    if (launch.signal?.aborted) onAbort();
  });
}

/** One sentence for a run report: how the agent ended. */
export function describeAgentResult(
  result: AgentResult,
  limits: Pick<AgentLaunch, "timeoutSeconds" | "idleTimeoutSeconds">,
): string {
  const after = formatDuration(result.durationSeconds);
  switch (result.exitReason) {
    case "spawn-failed":
      return result.spawnError ?? "the agent could not be started";
    case "timeout":
      return `the agent was stopped at its time limit (${formatDuration(limits.timeoutSeconds)})`;
    case "idle-timeout":
      return `the agent was stopped after ${formatDuration(limits.idleTimeoutSeconds ?? 0)} without output (ran ${after})`;
    case "interrupted":
      return `the agent was interrupted after ${after}`;
    case "exited":
      return result.exitCode !== null
        ? `the agent exited with status ${result.exitCode} after ${after}`
        : `the agent was killed by ${result.signal ?? "a signal"} after ${after}`;
  }
}

function checkLaunch(launch: AgentLaunch): void {
  if (launch.argv.length === 0 || launch.argv[0] === "") {
    throw new UserError(
      "The agent command is empty: set agent-command, like `ralph --goal={goal_file}`.",
    );
  }
  const positive = (name: string, value: number | null | undefined) => {
    if (value !== undefined && value !== null && !(Number.isFinite(value) && value > 0)) {
      throw new UserError(
        `The agent's ${name} must be a positive number of seconds, not ${value}.`,
      );
    }
  };
  positive("timeout", launch.timeoutSeconds);
  positive("idle timeout", launch.idleTimeoutSeconds);
  if (launch.graceSeconds !== undefined && !(launch.graceSeconds >= 0)) {
    throw new UserError(
      `The agent's grace period must be zero or more seconds, not ${launch.graceSeconds}.`,
    );
  }
}

function describeSpawnError(program: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ENOENT":
      return `agent command not found: ${program} — set agent-command or install ${program}`;
    case "EACCES":
      return `agent command is not executable: ${program} — check its permissions or set agent-command`;
    default:
      return `agent command could not be started: ${program}: ${error.message}`;
  }
}

/** Sends `signal` to every process in the group led by `pid`; a group that is gone is fine. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nobody left. EPERM: a member we may not signal (setuid); nothing more we can do.
  }
}

/** Sends `signal` to every process of the group led by `pid`, except the leader. */
function killGroupBut(pid: number, signal: NodeJS.Signals): void {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    try {
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === pid) process.kill(Number(entry), signal);
    } catch {
      // gone meanwhile, or not ours to signal
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function openLog(path: string): Promise<{ stream: Writable }> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, "a");
    return { stream: handle.createWriteStream({ highWaterMark: 1024 * 1024 }) };
  } catch (error) {
    throw new UserError(
      `Cannot write the agent log ${path}: ${(error as Error).message}. Check the log directory setting and its permissions.`,
    );
  }
}

/** The last `size` items pushed. */
class RingBuffer<T> {
  readonly #items: T[] = [];
  #next = 0;
  constructor(readonly size: number) {}

  pushAll(items: readonly T[]): void {
    for (let i = Math.max(0, items.length - this.size); i < items.length; i++) {
      const item = items[i] as T;
      if (this.#items.length < this.size) this.#items.push(item);
      else this.#items[this.#next] = item;
      this.#next = (this.#next + 1) % this.size;
    }
  }

  toArray(): T[] {
    if (this.#items.length < this.size) return [...this.#items];
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}
