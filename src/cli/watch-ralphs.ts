import { open, readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { formatDuration } from "../core/duration.js";
import * as input from "../core/input-values.js";
import { Problems } from "../core/problems.js";
import { runnerLocations } from "../flows/run-locations.js";
import { parseCommandLine } from "./args.js";
import { type CliIo, processIo, runCli, terminalSafe } from "./io.js";

const WATCH_RALPHS_USAGE = `Usage: watch-ralphs [--log-dir DIR] [--since 1h] [--lines 10] [--goal N]...

Follows every agent's log in one view, each line prefixed with its goal and attempt, as the
runner action and orchestrator write them (<log-dir>/<owner>-<repo>-<goal>-<attempt>.log).
New logs are picked up as agents start. Ctrl-C to stop.

Options:
  --log-dir DIR   the logs' folder (default ~/.local/state/goal-orchestrator/logs)
  --since D       only logs written to in the last D (1h; like 90m or 2h)
  --lines N       show the last N lines of each log first (10)
  --goal N        only this goal (repeat for several)`;

/** How often the folder and the logs are looked at. */
const POLL_MS = 250;
/** Most bytes read from one log per look, so a flood cannot hold the whole view. */
const READ_CHUNK = 256 * 1024;
/** A line longer than this is cut when shown (the log file keeps all of it). */
const MAX_LINE = 4000;

interface Followed {
  label: string;
  offset: number;
  /** The start of a line whose end has not been written yet. */
  partial: string;
}

const LOG_NAME = /^(.+)-(\d+)-(\d+)\.log$/;

/**
 * The time watch-ralphs goes by: when to look again, and how old a log is. Real time by default;
 * tests move a manual clock (test/helpers/manual-clock.ts) and see each look as it happens.
 */
export interface WatchClock {
  /** Milliseconds since the epoch, as file modification times are. */
  now(): number;
  /** Calls `fire` once, `ms` from now, unless the returned function is called first. */
  after(ms: number, fire: () => void): () => void;
}

export const systemWatchClock: WatchClock = {
  now: () => Date.now(),
  after: (ms, fire) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

/** `acme-widgets-12-2.log` → goal 12, attempt 2, repository part `acme-widgets`. */
export function parseLogName(name: string): { repo: string; goal: number; attempt: number } | null {
  const match = LOG_NAME.exec(name);
  if (!match?.[1]) return null;
  return { repo: match[1], goal: Number(match[2]), attempt: Number(match[3]) };
}

export async function watchRalphsMain(
  argv: string[],
  io: CliIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
  clock: WatchClock = systemWatchClock,
): Promise<number> {
  return runCli(
    "watch-ralphs",
    async () => {
      const { values } = parseCommandLine(
        {
          args: argv,
          allowPositionals: false,
          options: {
            "log-dir": { type: "string" },
            since: { type: "string", default: "1h" },
            lines: { type: "string", default: "10" },
            goal: { type: "string", multiple: true },
            help: { type: "boolean", short: "h", default: false },
          },
        },
        WATCH_RALPHS_USAGE,
      );
      if (values.help) {
        io.stdout(`${WATCH_RALPHS_USAGE}\n`);
        return 0;
      }
      const problems = new Problems();
      const sinceSeconds = problems.take("--since", input.duration(values.since), 3600);
      const lines = problems.take("--lines", input.wholeNumber(values.lines, 0, 10_000), 10);
      const goals = (values.goal ?? []).map((text) =>
        problems.take("--goal", input.issueNumber(text), 0),
      );
      const logDir =
        values["log-dir"] === undefined
          ? runnerLocations(env).logDir
          : problems.take(
              "--log-dir",
              input.folder(values["log-dir"], {
                home: env.HOME || homedir(),
                relativeTo: process.cwd(),
              }),
              "",
            );
      if (problems.any) throw problems.error((list) => list.join("\n"));

      const followed = new Map<string, Followed>();
      let announcedEmpty = false;
      const look = async (first: boolean) => {
        let names: string[];
        try {
          names = (await readdir(logDir)).filter((name) => name.endsWith(".log")).sort();
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
          names = [];
        }
        for (const name of names) {
          const parsed = parseLogName(name);
          if (!parsed || (goals.length > 0 && !goals.includes(parsed.goal))) continue;
          const file = join(logDir, name);
          let current = followed.get(name);
          if (!current) {
            const info = await stat(file).catch(() => null);
            if (!info) continue;
            // Old logs are history, not agents at work: only recent ones are followed.
            if (clock.now() - info.mtimeMs > sinceSeconds * 1000) continue;
            current = {
              label: `${parsed.repo}#${parsed.goal} a${parsed.attempt}`,
              offset: first ? await tailOffset(file, info.size, lines) : 0,
              partial: "",
            };
            followed.set(name, current);
            io.stdout(`── ${current.label}: ${file}\n`);
          }
          await readNew(file, current, io);
        }
        if (first && followed.size === 0 && !announcedEmpty) {
          announcedEmpty = true;
          io.stdout(
            `No agent logs written to in the last ${formatDuration(sinceSeconds)} in ${logDir}; waiting for agents to start.\n`,
          );
        }
      };
      await look(true);
      while (!signal?.aborted) {
        await new Promise<void>((done) => {
          const onAbort = () => {
            cancel();
            done();
          };
          const cancel = clock.after(POLL_MS, () => {
            signal?.removeEventListener("abort", onAbort);
            done();
          });
          signal?.addEventListener("abort", onAbort, { once: true });
        });
        await look(false);
      }
      return 0;
    },
    io,
  );
}

/** Where to start so that the last `lines` lines of the file are shown. */
async function tailOffset(file: string, size: number, lines: number): Promise<number> {
  if (lines === 0) return size;
  const start = Math.max(0, size - READ_CHUNK);
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let offset = buffer.length;
    // Skip the file's final newline, then walk back `lines` line breaks.
    let seen = buffer[offset - 1] === 0x0a ? -1 : 0;
    while (offset > 0) {
      if (buffer[offset - 1] === 0x0a) {
        seen++;
        if (seen === lines) break;
      }
      offset--;
    }
    return start + offset;
  } finally {
    await handle.close();
  }
}

async function readNew(file: string, followed: Followed, io: CliIo) {
  const handle = await open(file, "r").catch(() => null);
  if (!handle) return;
  try {
    const { size } = await handle.stat();
    if (size < followed.offset) {
      // Truncated or replaced: start again from its beginning.
      followed.offset = 0;
      followed.partial = "";
    }
    if (size === followed.offset) return;
    const buffer = Buffer.alloc(Math.min(READ_CHUNK, size - followed.offset));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, followed.offset);
    followed.offset += bytesRead;
    const text = followed.partial + buffer.subarray(0, bytesRead).toString("utf8");
    const parts = text.split("\n");
    followed.partial = (parts.pop() ?? "").slice(-MAX_LINE);
    if (parts.length === 0) return;
    io.stdout(
      parts
        .map(
          (line) =>
            `${followed.label} │ ${terminalSafe(line.replace(/\r$/, "")).slice(0, MAX_LINE)}\n`,
        )
        .join(""),
    );
  } finally {
    await handle.close();
  }
}
