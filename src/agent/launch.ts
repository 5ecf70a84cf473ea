import { type ChildProcess, spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { formatDuration } from "../core/duration.js";
import { UserError } from "../core/errors.js";
import { type DeadlineClock, Deadlines, systemDeadlineClock } from "./deadlines.js";
import { AgentOutput } from "./output.js";
import { killGroup, killGroupBut } from "./process-group.js";

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
  /** The time the run's duration and all its limits go by (default: real time; tests move it). */
  clock?: DeadlineClock;
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
  /** The last LOG_TAIL_LINES output lines (stdout and stderr), for failure reports. */
  lastLines: string[];
  /** Why the agent could not be started, for exitReason "spawn-failed". */
  spawnError?: string;
  /** Set when the log file could not be written to completely (a full disk, say). */
  logError?: string;
}

const DEFAULT_GRACE_SECONDS = 30;

export { MAX_LINE_CHARS } from "./lines.js";

/** How long to wait, once the agent has exited, for its output pipes to close. */
const PIPE_CLOSE_SECONDS = 5;

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
  const output = await AgentOutput.open(launch.logFile, launch.onLine);
  const withLogError = async (result: AgentResult) => {
    const logError = await output.end();
    if (logError !== undefined) result.logError = logError;
    return result;
  };

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
    return withLogError(failed(describeSpawnError(program, error as NodeJS.ErrnoException)));
  }
  const pid = child.pid;
  if (pid === undefined || child.stdout === null || child.stderr === null) {
    // Not started (ENOENT, EACCES, EMFILE, …): the reason comes as an "error" event.
    child.stdout?.destroy();
    child.stderr?.destroy();
    const error = await new Promise<NodeJS.ErrnoException>((done) => child.once("error", done));
    return withLogError(failed(describeSpawnError(program, error)));
  }
  output.read(child.stdout, "stdout");
  output.read(child.stderr, "stderr");

  const clock = launch.clock ?? systemDeadlineClock;
  const startedAt = clock.now();
  // Any output, even part of a line, restarts the idle limit.
  let lastOutputAt = startedAt;
  for (const pipe of [child.stdout, child.stderr]) {
    pipe.on("data", () => {
      lastOutputAt = clock.now();
    });
  }
  const deadlines = new Deadlines(clock);
  let exitReason: AgentExitReason | null = null;
  let exited: { at: number; code: number | null; signal: string | null } | null = null;
  const stop = (reason: AgentExitReason) => {
    if (exitReason !== null || exited !== null) return;
    exitReason = reason;
    if (launch.sandboxed) killGroupBut(pid, "SIGTERM");
    else killGroup(pid, "SIGTERM");
    deadlines.after(graceSeconds * 1000, () => killGroup(pid, "SIGKILL"));
  };
  const onAbort = () => stop("interrupted");
  deadlines.arm(
    () => startedAt + launch.timeoutSeconds * 1000,
    () => stop("timeout"),
  );
  const idle = launch.idleTimeoutSeconds;
  if (idle !== undefined && idle !== null) {
    deadlines.arm(
      () => lastOutputAt + idle * 1000,
      () => stop("idle-timeout"),
    );
  }
  launch.signal?.addEventListener("abort", onAbort, { once: true });
  if (launch.signal?.aborted) onAbort();

  // After a successful start, "error" only reports a failed child.kill(), which is not used.
  child.on("error", () => {});
  child.once("exit", (code, signal) => {
    exited = { at: clock.now(), code, signal };
    deadlines.clear();
    // Whatever the agent started dies with it.
    killGroup(pid, "SIGKILL");
    // A process outside the group may still hold the pipes: stop waiting for them after a
    // while (but not while the pipes are only paused because the log is catching up).
    const closePipes = () =>
      deadlines.after(PIPE_CLOSE_SECONDS * 1000, () => {
        if (output.paused) closePipes();
        else output.destroyPipes();
      });
    closePipes();
  });
  await new Promise<void>((done) => child.once("close", () => done()));
  deadlines.clear();
  launch.signal?.removeEventListener("abort", onAbort);
  const end = exited ?? { at: clock.now(), code: child.exitCode, signal: child.signalCode };
  return withLogError({
    exitCode: end.code,
    signal: end.signal,
    exitReason: exitReason ?? "exited",
    durationSeconds: (end.at - startedAt) / 1000,
    outputBytes: output.bytes,
    lastLines: output.lastLines(),
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

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
