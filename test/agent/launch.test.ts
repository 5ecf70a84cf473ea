import assert from "node:assert/strict";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { buildAgentEnv } from "../../src/agent/environment.js";
import {
  type AgentLaunch,
  type AgentResult,
  describeAgentResult,
  launchAgent,
  MAX_LINE_CHARS,
} from "../../src/agent/launch.js";
import { UserError } from "../../src/core/errors.js";
import { LOG_TAIL_LINES } from "../../src/core/markers.js";
import { ManualClock } from "../helpers/manual-clock.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const fixture = (name: string, ...args: string[]) => [
  process.execPath,
  join(FIXTURES, name),
  ...args,
];

let root: string;
let counter = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), "goal-agent-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

const path = (name: string) => join(root, name);

/** Launches with short limits and collects the lines given to onLine. */
async function run(
  argv: string[],
  options: Partial<AgentLaunch> = {},
): Promise<AgentResult & { lines: [string, string][]; log: string; logFile: string }> {
  const lines: [string, string][] = [];
  const logFile = options.logFile ?? path(`logs/run-${++counter}.log`);
  const result = await launchAgent({
    argv,
    cwd: root,
    env: { PATH: process.env.PATH ?? "" },
    timeoutSeconds: 10,
    graceSeconds: 1,
    logFile,
    onLine: (line, stream) => lines.push([stream, line]),
    ...options,
  });
  const small = existsSync(logFile) && statSync(logFile).size < 1024 * 1024;
  const log = small ? readFileSync(logFile, "utf8") : "";
  return { ...result, lines, log, logFile };
}

/**
 * Tests that stop an agent run it on a manual clock and never wait on real time for an answer;
 * this only ends a test that hangs (an agent that never prints what it should, say).
 */
const SAFETY_NET = { timeout: 60_000 };

/** An agent started on a manual clock, with the stop signals launchAgent sends recorded. */
interface Started {
  clock: ManualClock;
  /** The first line the agent printed that is (or matches) `line`; fails if the run ends first. */
  printed(line: string | RegExp): Promise<string>;
  /** SIGTERM and SIGKILL as sent so far by launchAgent, in order. */
  signals(): string[];
  /** The pids they went to (a negative pid is a process group). */
  targets(): number[];
  abort(): void;
  result: Promise<AgentResult>;
}

/**
 * Launches `argv` on a manual clock, so that no limit ever passes unless the test moves the clock.
 * process.kill is watched (and still works): launchAgent sends every signal synchronously when
 * a limit passes, so what it sent is known the moment the clock has moved.
 */
function start(t: TestContext, argv: string[], options: Partial<AgentLaunch> = {}): Started {
  const clock = new ManualClock();
  const kill = t.mock.method(process, "kill");
  // Only the stop signals: not the test's own prompts and liveness checks.
  const sent = () =>
    kill.mock.calls.flatMap(({ arguments: [pid, signal] }) =>
      signal === "SIGTERM" || signal === "SIGKILL" ? [{ pid, signal }] : [],
    );
  const lines: string[] = [];
  const waiting: { line: string | RegExp; done: (line: string) => void }[] = [];
  const matches = (wanted: string | RegExp, line: string) =>
    typeof wanted === "string" ? line === wanted : wanted.test(line);
  const controller = new AbortController();
  let ended = false;
  const result = run(argv, {
    timeoutSeconds: 3600,
    clock,
    signal: controller.signal,
    onLine: (line) => {
      lines.push(line);
      for (const wait of waiting) if (matches(wait.line, line)) wait.done(line);
    },
    ...options,
  }).finally(() => {
    ended = true;
  });
  // A test that failed halfway leaves its agent running on a clock nobody moves: stop it.
  t.after(async () => {
    if (ended) return;
    controller.abort();
    await clock.advance(3600 * 1000);
    await result.catch(() => {});
  });
  return {
    clock,
    printed: (wanted) =>
      new Promise<string>((resolve, reject) => {
        const seen = lines.find((line) => matches(wanted, line));
        if (seen !== undefined) return resolve(seen);
        waiting.push({ line: wanted, done: resolve });
        const missing = () => reject(new Error(`the agent ended without printing ${wanted}`));
        result.then(missing, missing);
      }),
    signals: () => sent().map(({ signal }) => signal),
    targets: () => sent().map(({ pid }) => pid),
    abort: () => controller.abort(),
    result,
  };
}

/** The process group of a live process, from /proc/<pid>/stat ("pid (comm) state ppid pgrp …"). */
function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether the process has ended: kill(pid, 0) fails with ESRCH. A killed orphan can also linger
 * as a zombie until init reaps it (some sandboxes' init never does): a zombie runs no code and
 * holds nothing, so it counts as gone. `waitMs` is only a safety net: a process that was sent
 * SIGKILL is gone as soon as the machine gets round to it.
 */
async function isGone(pid: number, waitMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
      throw error;
    }
    if (isZombie(pid)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? false;
  } catch {
    return false;
  }
}

describe("launchAgent: exit status", () => {
  for (const code of [0, 1, 3]) {
    it(`reports exit status ${code} with its output`, async () => {
      const result = await run(fixture("exit.mjs", String(code)));
      assert.equal(result.exitReason, "exited");
      assert.equal(result.exitCode, code);
      assert.equal(result.signal, null);
      assert.equal(result.spawnError, undefined);
      assert.deepEqual(
        result.lines.filter(([stream]) => stream === "stdout"),
        [
          ["stdout", "out 1"],
          ["stdout", `out 2 exiting with ${code}`],
        ],
      );
      assert.deepEqual(
        result.lines.filter(([stream]) => stream === "stderr"),
        [["stderr", "err 1"]],
      );
      // The log holds the same lines, unprefixed, in arrival order.
      assert.equal(result.log, `${result.lines.map(([, line]) => line).join("\n")}\n`);
      assert.deepEqual(
        result.lastLines,
        result.lines.map(([, line]) => line),
      );
      assert.equal(result.outputBytes, Buffer.byteLength(result.log));
      // Real time here: measured, and under the safety net.
      assert.ok(
        result.durationSeconds > 0 && result.durationSeconds < 60,
        `${result.durationSeconds}`,
      );
      assert.match(describeAgentResult(result, { timeoutSeconds: 10 }), /exited with status/);
    });
  }

  it("creates the log's folders and appends to an existing log", async () => {
    const logFile = path("deep/er/agent.log");
    await run(fixture("exit.mjs", "0"), { logFile });
    const second = await run(fixture("exit.mjs", "1"), { logFile });
    assert.equal(second.log.split("\n").filter((line) => line === "out 1").length, 2);
  });

  it("splits awkward output into lines: CRLF, split characters, long lines, no final newline", async () => {
    const result = await run(fixture("lines.mjs"));
    assert.equal(result.exitCode, 0);
    const stdout = result.lines.filter(([s]) => s === "stdout").map(([, line]) => line);
    assert.deepEqual(stdout, [
      "crlf line",
      "price 5€ ok",
      "",
      "",
      "y".repeat(MAX_LINE_CHARS),
      "y".repeat(70 * 1024 - MAX_LINE_CHARS),
      "no newline at the end",
    ]);
    assert.deepEqual(
      result.lines.filter(([s]) => s === "stderr"),
      [["stderr", "an error line"]],
    );
    assert.ok(result.log.endsWith("\nno newline at the end\n"));
  });

  it("keeps only the last lines for the failure report", async () => {
    const result = await run(fixture("ticker.mjs", "120", "0"));
    assert.equal(result.lines.length, 120);
    assert.equal(result.lastLines.length, LOG_TAIL_LINES);
    assert.equal(result.lastLines[0], `tick ${120 - LOG_TAIL_LINES + 1}`);
    assert.equal(result.lastLines.at(-1), "tick 120");
  });
});

/**
 * An agent that prints "ready <pid>", then a line each time it gets SIGUSR2 and nothing
 * otherwise, and ignores SIGTERM (saying so): the test decides when it prints.
 */
const PROMPTED_AGENT = [
  process.execPath,
  "-e",
  `let count = 0;
  process.on("SIGUSR2", () => console.log("line " + ++count));
  process.on("SIGTERM", () => console.log("ignores SIGTERM"));
  console.log("ready " + process.pid);
  setInterval(() => {}, 1000);`,
];

/** The processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe("launchAgent: stopping the agent", () => {
  it("on timeout, terminates the agent and a child that ignores SIGTERM", SAFETY_NET, async (t) => {
    const pidFile = path("child-1.pid");
    const agent = start(t, fixture("hang.mjs", pidFile), { timeoutSeconds: 10, graceSeconds: 5 });
    await agent.printed("parent ready");
    await agent.printed("child ready");
    const childPid = Number(readFileSync(pidFile, "utf8"));
    assert.ok(childPid > 0);
    const group = -groupOf(childPid);

    await agent.clock.advance(9_999);
    assert.deepEqual(agent.signals(), [], "stopped before the time limit");
    await agent.clock.advance(1);
    assert.deepEqual(agent.signals(), ["SIGTERM"]);
    const result = await agent.result;
    assert.equal(result.exitReason, "timeout");
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.durationSeconds, 10);
    // The agent died of the SIGTERM; its child, which ignored it, got the SIGKILL that follows
    // the agent's exit, without waiting for the grace period.
    assert.deepEqual(agent.signals(), ["SIGTERM", "SIGKILL"]);
    assert.deepEqual(agent.targets(), [group, group]);
    assert.ok(await isGone(childPid), `child ${childPid} survived`);
    assert.ok(result.lastLines.includes("child ready"));
    assert.match(describeAgentResult(result, { timeoutSeconds: 10 }), /time limit \(10s\)/);
  });

  it(
    "kills with SIGKILL after the grace period when the agent ignores SIGTERM too",
    SAFETY_NET,
    async (t) => {
      const pidFile = path("child-2.pid");
      const agent = start(t, fixture("hang.mjs", pidFile, "ignore-term"), {
        timeoutSeconds: 10,
        graceSeconds: 5,
      });
      await agent.printed("parent ready");
      await agent.printed("child ready");
      const childPid = Number(readFileSync(pidFile, "utf8"));
      const group = -groupOf(childPid);

      await agent.clock.advance(10_000);
      assert.deepEqual(agent.signals(), ["SIGTERM"]);
      // The whole group got it, and lives on.
      await agent.printed("parent ignores SIGTERM");
      await agent.printed("child ignores SIGTERM");
      await agent.clock.advance(4_999);
      assert.deepEqual(agent.signals(), ["SIGTERM"], "SIGKILL came before the grace period ended");
      await agent.clock.advance(1);
      assert.deepEqual(agent.signals(), ["SIGTERM", "SIGKILL"]);
      const result = await agent.result;
      assert.equal(result.exitReason, "timeout");
      assert.equal(result.signal, "SIGKILL");
      assert.equal(result.durationSeconds, 15);
      // One more SIGKILL follows the agent's exit, for whatever it started.
      assert.deepEqual(agent.signals(), ["SIGTERM", "SIGKILL", "SIGKILL"]);
      assert.deepEqual(agent.targets(), [group, group, group]);
      assert.ok(result.lastLines.includes("parent ignores SIGTERM"));
      assert.ok(await isGone(childPid), `child ${childPid} survived`);
    },
  );

  it("stops a silent agent at the idle timeout", SAFETY_NET, async (t) => {
    const agent = start(t, fixture("silent.mjs"), { timeoutSeconds: 10, idleTimeoutSeconds: 1 });
    await agent.printed("started");
    await agent.clock.advance(999);
    assert.deepEqual(agent.signals(), [], "stopped before the idle limit");
    await agent.clock.advance(1);
    assert.deepEqual(agent.signals(), ["SIGTERM"]);
    const result = await agent.result;
    assert.equal(result.exitReason, "idle-timeout");
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.durationSeconds, 1);
    const [group, ...others] = agent.targets();
    assert.ok(group !== undefined && group < 0, "not sent to a process group");
    assert.deepEqual(others, [group]);
    assert.deepEqual(result.lastLines, ["started"]);
    assert.match(
      describeAgentResult(result, { timeoutSeconds: 10, idleTimeoutSeconds: 1 }),
      /after 1s without output/,
    );
  });

  it(
    "restarts the idle timer on every output, then stops: SIGTERM, SIGKILL after the grace",
    SAFETY_NET,
    async (t) => {
      const agent = start(t, PROMPTED_AGENT, { idleTimeoutSeconds: 1, graceSeconds: 5 });
      const pid = Number((await agent.printed(/^ready \d+$/)).split(" ")[1]);
      // A line every 900 ms, 6 times: 5.4 s in all, never 1 s without output.
      for (let n = 1; n <= 6; n++) {
        await agent.clock.advance(900);
        assert.deepEqual(agent.signals(), [], `stopped ${n * 900} ms in, 900 ms after an output`);
        process.kill(pid, "SIGUSR2");
        await agent.printed(`line ${n}`);
      }
      await agent.clock.advance(999);
      assert.deepEqual(agent.signals(), [], "stopped before the idle limit");
      await agent.clock.advance(1);
      assert.deepEqual(agent.signals(), ["SIGTERM"]);
      await agent.printed("ignores SIGTERM");
      await agent.clock.advance(4_999);
      assert.deepEqual(agent.signals(), ["SIGTERM"], "SIGKILL came before the grace period ended");
      await agent.clock.advance(1);
      assert.deepEqual(agent.signals(), ["SIGTERM", "SIGKILL"]);
      const result = await agent.result;
      assert.equal(result.exitReason, "idle-timeout");
      assert.equal(result.signal, "SIGKILL");
      assert.equal(result.durationSeconds, 11.4);
      assert.deepEqual(agent.targets(), [-pid, -pid, -pid]);
      assert.deepEqual(result.lastLines, [
        `ready ${pid}`,
        ...[1, 2, 3, 4, 5, 6].map((n) => `line ${n}`),
        "ignores SIGTERM",
      ]);
    },
  );

  it("stops the agent when the signal aborts: interrupted", SAFETY_NET, async (t) => {
    const pidFile = path("child-3.pid");
    const agent = start(t, fixture("hang.mjs", pidFile), { timeoutSeconds: 10 });
    await agent.printed("parent ready");
    await agent.printed("child ready");
    const childPid = Number(readFileSync(pidFile, "utf8"));
    const group = -groupOf(childPid);

    await agent.clock.advance(2_000);
    assert.deepEqual(agent.signals(), []);
    agent.abort();
    assert.deepEqual(agent.signals(), ["SIGTERM"]);
    const result = await agent.result;
    assert.equal(result.exitReason, "interrupted");
    assert.equal(result.durationSeconds, 2);
    assert.deepEqual(agent.signals(), ["SIGTERM", "SIGKILL"]);
    assert.deepEqual(agent.targets(), [group, group]);
    assert.ok(await isGone(childPid), `child ${childPid} survived`);
    assert.match(describeAgentResult(result, { timeoutSeconds: 10 }), /interrupted after 2s/);
  });

  it("does not start the agent when the signal has already aborted", async () => {
    const marker = path("never-written");
    const result = await run(fixture("hang.mjs", marker), { signal: AbortSignal.abort() });
    assert.equal(result.exitReason, "interrupted");
    assert.equal(result.durationSeconds, 0);
    // spawn() has forked before it returns: a started agent would be a process by now.
    assert.deepEqual(processesWith(marker), []);
    assert.equal(existsSync(marker), false);
  });
});

describe("launchAgent: failures to start", () => {
  it("reports a missing program as spawn-failed with a clear message", async () => {
    const result = await run(["goal-orchestrator-no-such-agent", "--goal=x"]);
    assert.equal(result.exitReason, "spawn-failed");
    assert.equal(result.exitCode, null);
    assert.equal(
      result.spawnError,
      "agent command not found: goal-orchestrator-no-such-agent — set agent-command or install goal-orchestrator-no-such-agent",
    );
    assert.equal(describeAgentResult(result, { timeoutSeconds: 1 }), result.spawnError);
  });

  it("does not find a program that is only on the runner's PATH, not the agent's", async () => {
    const result = await run(["node", "-e", ""], { env: { PATH: path("empty-bin") } });
    assert.equal(result.exitReason, "spawn-failed");
    assert.match(result.spawnError ?? "", /agent command not found: node/);
  });

  it("reports a program that is not executable", async () => {
    const script = path("not-executable.sh");
    writeFileSync(script, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const result = await run([script]);
    assert.equal(result.exitReason, "spawn-failed");
    assert.match(result.spawnError ?? "", /not executable/);
  });

  it("reports a missing working directory", async () => {
    const result = await run(fixture("exit.mjs", "0"), { cwd: path("no-such-dir") });
    assert.equal(result.exitReason, "spawn-failed");
    assert.match(result.spawnError ?? "", /working directory does not exist/);
  });

  it("refuses an empty command and bad limits", async () => {
    await assert.rejects(run([]), UserError);
    await assert.rejects(run(fixture("exit.mjs"), { timeoutSeconds: 0 }), /timeout/);
    await assert.rejects(run(fixture("exit.mjs"), { idleTimeoutSeconds: -1 }), /idle timeout/);
  });

  it("refuses a log file it cannot write", async () => {
    writeFileSync(path("a-file"), "");
    await assert.rejects(
      run(fixture("exit.mjs"), { logFile: path("a-file/agent.log") }),
      /Cannot write the agent log/,
    );
  });
});

describe("launchAgent: environment", () => {
  const from = {
    PATH: process.env.PATH,
    HOME: "/home/runner",
    GITHUB_TOKEN: "ghs_secret",
    GH_TOKEN: "gho_secret",
    INPUT_TOKEN: "ghs_input",
    ACTIONS_RUNTIME_TOKEN: "runtime",
    ANTHROPIC_API_KEY: "sk-ant",
  };
  const names = ["GITHUB_TOKEN", "GH_TOKEN", "INPUT_TOKEN", "ACTIONS_RUNTIME_TOKEN", "GOAL_NUMBER"];
  const printed = async (allow: string[]) => {
    const env = buildAgentEnv({ contract: { GOAL_NUMBER: "7" }, allow, from });
    const result = await run(fixture("env.mjs", ...names), { env });
    assert.equal(result.exitCode, 0);
    return result.lastLines;
  };

  it("keeps tokens away from the agent unless allow-listed", async () => {
    assert.deepEqual(await printed([]), [
      "GITHUB_TOKEN=unset",
      "GH_TOKEN=unset",
      "INPUT_TOKEN=unset",
      "ACTIONS_RUNTIME_TOKEN=unset",
      "GOAL_NUMBER=set",
    ]);
  });

  it("passes allow-listed names", async () => {
    assert.deepEqual(await printed(["GITHUB_TOKEN", "GH_TOKEN"]), [
      "GITHUB_TOKEN=set",
      "GH_TOKEN=set",
      "INPUT_TOKEN=unset",
      "ACTIONS_RUNTIME_TOKEN=unset",
      "GOAL_NUMBER=set",
    ]);
  });
});

describe("launchAgent: volume", () => {
  it("logs 100 MiB of output completely with bounded memory", async (t) => {
    const mebibytes = 100;
    let lineCount = 0;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const result = await run(fixture("big-output.mjs", String(mebibytes)), {
      onLine: () => {
        lineCount++;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    assert.equal(result.exitReason, "exited");
    assert.equal(result.exitCode, 0);
    const bytes = mebibytes * 1024 * 1024;
    assert.equal(result.outputBytes, bytes);
    assert.equal(statSync(result.logFile).size, bytes);
    assert.equal(lineCount, mebibytes * 1024);
    const growth = (peak - baseline) / 2 ** 20;
    t.diagnostic(
      `RSS growth ${growth.toFixed(1)} MiB, ${(mebibytes / seconds).toFixed(0)} MiB/s (${seconds.toFixed(2)} s)`,
    );
    assert.ok(growth < 60, `RSS grew by ${growth.toFixed(1)} MiB`);
    rmSync(result.logFile);
  });
});
