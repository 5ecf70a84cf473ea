// Section 6 of `npm run bench`: the runner. Prints figures only.
//   a. overhead of the bundled runner action (dist/run/index.js) around the agent, against a
//      plain `git clone` + commit + push, on a generated repository of 5,000 files and 2,000
//      commits (made with `git fast-import`, then packed)
//   b. Git.clone with and without a local mirror (`reference`)
//   c. launchAgent streaming 100 MiB of 1 KiB lines: throughput and peak RSS growth
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { launchAgent } from "../src/agent/launch.js";
import { LABELS } from "../src/core/states.js";
import { createGoal } from "../src/flows/create-goal.js";
import { Git } from "../src/git/git.js";
import { startGitHubServer } from "../test/github-server/index.js";
import { runActionBundle } from "../test/helpers/action-runner.js";
import { connectAs, GOAL_BODY } from "../test/helpers/github-fixture.js";
import { formatMiB, formatMs, median, printSection } from "./table.js";

const OWNER = "acme";
const NAME = "widgets";
const FILES = 5_000;
const COMMITS = 2_000;
const EXTRA_COMMITS = 20;
const RUNS = 3;
const STREAM_BYTES = 100 * 1024 * 1024;
const LINE_BYTES = 1024;
const AGENT = resolve("test/agents/agent.mjs");

const GIT_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", maxBuffer: 1 << 28 });
}

/** `commits` commits on main through git fast-import: the first adds `files` files, each later one changes one. */
function generate(bare: string, files: number, commits: number, append = false): void {
  const chunks: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const path = (i: number) => `src/d${i % 64}/f${i}.txt`;
  let time = append ? 1_800_000_000 : 1_700_000_000;
  for (let c = 0; c < commits; c++) {
    chunks.push(
      `commit refs/heads/main\ncommitter Gen <gen@example.com> ${time++} +0000\n${data(`commit ${c}`)}`,
    );
    if (append && c === 0) chunks.push("from refs/heads/main^0\n");
    if (!append && c === 0) {
      for (let i = 0; i < files; i++) {
        chunks.push(
          `M 100644 inline ${path(i)}\n${data(`file ${i}\n${"line of text\n".repeat(8)}`)}`,
        );
      }
    } else {
      const i = (c * 7919) % files;
      chunks.push(`M 100644 inline ${path(i)}\n${data(`file ${i} changed in ${c} ${time}\n`)}`);
    }
  }
  execFileSync("git", ["fast-import", "--quiet"], {
    cwd: bare,
    env: GIT_ENV,
    input: chunks.join(""),
    maxBuffer: 1 << 28,
  });
}

export interface RunnerResult {
  generateMs: number;
  overheadMs: number[];
  actionWallMs: number[];
  baselineMs: number[];
  plainCloneMs: number[];
  mirrorCloneMs: number[];
  streamMBps: number;
  streamBytes: number;
  streamSeconds: number;
  rssGrowthBytes: number;
}

export async function measureRunner(): Promise<RunnerResult> {
  const root = mkdtempSync(join(tmpdir(), "goal-bench-runner-"));
  const server = await startGitHubServer();
  try {
    // Repository ------------------------------------------------------------------------------
    const bare = join(root, "origin.git");
    let t0 = performance.now();
    git(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
    generate(bare, FILES, COMMITS);
    git(bare, "gc", "--quiet");
    const generateMs = performance.now() - t0;

    // a. Runner overhead ----------------------------------------------------------------------
    server.createRepository({
      owner: OWNER,
      name: NAME,
      gitDir: bare,
      defaultPermission: "read",
      allowAutoMerge: true,
    });
    server.setPermission(OWNER, NAME, "maintainer", "write");
    const { store, token } = await connectAs(server, { owner: OWNER, repo: NAME }, "maintainer");
    await store.ensureLabels(LABELS);
    const overheadMs: number[] = [];
    const actionWallMs: number[] = [];
    const baselineMs: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const { number } = await createGoal(store, {
        title: `Bench run ${run}`,
        body: GOAL_BODY,
        queue: true,
        spotCheck: false,
      });
      await store.recordMarker(number, "claim", {
        kind: "claim",
        attempt: 1,
        claimId: `bench${run}`,
        claimedBy: { runId: "4242" },
        claimedAt: new Date().toISOString(),
        leaseExpiresAt: new Date(Date.now() + 7_200_000).toISOString(),
      });
      await store.transition(number, { to: "running", expectedFrom: "queued", reason: "claimed" });
      const dir = join(root, `action-${run}`);
      mkdirSync(dir);
      const result = await runActionBundle(
        process.execPath,
        "run",
        {
          token,
          repository: `${OWNER}/${NAME}`,
          goal: String(number),
          attempt: "1",
          "agent-command": `"${process.execPath}" "${AGENT}" commit "${join(dir, "dump")}" --goal={goal_file}`,
          "clone-url": bare,
          "workspace-root": join(dir, "work"),
          "log-dir": join(dir, "logs"),
          duration: "5m",
        },
        {
          HOME: join(dir, "home"),
          XDG_STATE_HOME: join(dir, "state"),
          GITHUB_API_URL: server.url,
          GITHUB_REPOSITORY: `${OWNER}/${NAME}`,
          GITHUB_SERVER_URL: "https://github.com",
          GITHUB_RUN_ID: "4242",
          GOAL_ORCHESTRATOR_PACE_MS: "0",
          GITHUB_TOKEN: token,
        },
      );
      if (result.code !== 0 || result.outputs.outcome !== "success" || !result.outputs.stats) {
        throw new Error(
          `runner action failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
        );
      }
      const stats = JSON.parse(result.outputs.stats) as {
        wall_seconds: number;
        agent_seconds: number | null;
      };
      actionWallMs.push(stats.wall_seconds * 1000);
      overheadMs.push((stats.wall_seconds - (stats.agent_seconds ?? 0)) * 1000);

      // baseline, interleaved: plain clone + one commit + push
      const plain = join(root, `plain-${run}`);
      t0 = performance.now();
      git(root, "clone", "--quiet", bare, plain);
      writeFileSync(join(plain, "work.txt"), `work ${run}\n`);
      git(plain, "add", "work.txt");
      git(plain, "commit", "--quiet", "-m", `work ${run}`);
      git(plain, "push", "--quiet", "origin", `HEAD:refs/heads/x-${run}`);
      baselineMs.push(performance.now() - t0);
      rmSync(plain, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }

    // b. Clone with a mirror ------------------------------------------------------------------
    const mirror = join(root, "mirror.git");
    git(root, "clone", "--quiet", "--mirror", pathToFileURL(bare).href, mirror);
    generate(bare, FILES, EXTRA_COMMITS, true);
    const plainCloneMs: number[] = [];
    const mirrorCloneMs: number[] = [];
    let n = 0;
    for (let run = 0; run < RUNS; run++) {
      for (const reference of [undefined, mirror]) {
        const dir = join(root, `clone-${++n}`);
        t0 = performance.now();
        await Git.clone({ url: pathToFileURL(bare).href, dir, reference, env: GIT_ENV });
        (reference ? mirrorCloneMs : plainCloneMs).push(performance.now() - t0);
        rmSync(dir, { recursive: true, force: true });
      }
    }

    // c. Log streaming ------------------------------------------------------------------------
    const script = join(root, "writer.mjs");
    writeFileSync(
      script,
      `const line = "x".repeat(${LINE_BYTES - 1}) + "\\n";
const chunk = line.repeat(64);
let left = ${STREAM_BYTES / LINE_BYTES / 64};
function write() {
  while (left > 0) {
    left--;
    if (!process.stdout.write(chunk)) return process.stdout.once("drain", write);
  }
}
write();
`,
    );
    const streamDir = join(root, "stream");
    mkdirSync(streamDir);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 5);
    const streamed = await launchAgent({
      argv: [process.execPath, script],
      cwd: streamDir,
      env: { PATH: process.env.PATH ?? "" },
      timeoutSeconds: 300,
      logFile: join(streamDir, "agent.log"),
    });
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (streamed.exitCode !== 0 || streamed.outputBytes !== STREAM_BYTES) {
      throw new Error(
        `stream agent: ${streamed.exitReason} ${streamed.exitCode}, ${streamed.outputBytes} bytes`,
      );
    }

    return {
      generateMs,
      overheadMs,
      actionWallMs,
      baselineMs,
      plainCloneMs,
      mirrorCloneMs,
      streamBytes: streamed.outputBytes,
      streamSeconds: streamed.durationSeconds,
      streamMBps: streamed.outputBytes / 1e6 / streamed.durationSeconds,
      rssGrowthBytes: rssPeak - rssBefore,
    };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export function printRunner(r: RunnerResult): void {
  const overhead = median(r.overheadMs);
  const baseline = median(r.baselineMs);
  const plain = median(r.plainCloneMs);
  const mirrored = median(r.mirrorCloneMs);
  printSection(
    `6. Runner (${FILES.toLocaleString("en-US")} files, ${COMMITS.toLocaleString("en-US")} commits)`,
    ["measure", `median of ${RUNS}`, "compared with", "ratio", "target"],
    [
      [
        "runner overhead (action wall − agent time)",
        formatMs(overhead),
        `plain clone + commit + push: ${formatMs(baseline)}`,
        (overhead / baseline).toFixed(2),
        "≤ 1.3",
      ],
      [
        "Git.clone with mirror (origin 20 commits ahead)",
        formatMs(mirrored),
        `Git.clone plain: ${formatMs(plain)}`,
        (mirrored / plain).toFixed(2),
        "–",
      ],
      [
        `log streaming, ${formatMiB(r.streamBytes)} of 1 KiB lines`,
        `${r.streamMBps.toFixed(0)} MB/s`,
        `peak RSS growth: +${formatMiB(r.rssGrowthBytes)}`,
        "–",
        "≥ 50 MB/s, < 100 MiB",
      ],
    ],
    [
      `Repository generated with git fast-import and packed in ${formatMs(r.generateMs)}. Runner: the bundled action (dist/run/index.js) against the local test server, agent test/agents/agent.mjs commit, GOAL_ORCHESTRATOR_PACE_MS=0; overhead is the stats' wall_seconds − agent_seconds (action wall ${formatMs(median(r.actionWallMs))}). Runs interleaved with the baseline. Clones over file://. Streaming: launchAgent, one run (${r.streamSeconds.toFixed(2)} s), RSS of this process sampled every 5 ms.`,
    ],
  );
}
