// Section 7: what the agent's sandbox adds to a run. The same `true` is started 20 times bare
// (spawn → exit) and 20 times through bwrap with the mounts a real run gets (start to the
// agent's exec, and the namespace's teardown, are both inside one bwrap's lifetime). Medians;
// the difference is what the sandbox adds to a run, which launches it once.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sandboxArgs, sandboxProblem } from "../src/agent/sandbox.js";
import { formatMs, printSection } from "./table.js";

const RUNS = 20;

function timeSpawn(argv: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      stdio: "ignore",
      detached: true,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (code === 0) done(performance.now() - started);
      else fail(new Error(`${argv[0]} exited with ${code}`));
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function benchSandbox(): Promise<void> {
  const problem = await sandboxProblem();
  if (problem) {
    printSection("7. The agent's sandbox", ["launch", "median"], [], [`skipped: ${problem}`]);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), "goal-bench-sandbox-"));
  try {
    const dirs = ["work", "home", "tmp", "out", "goal"].map((name) => join(root, name));
    for (const dir of dirs) mkdirSync(dir);
    const [workTree, home, tmp, out, goal] = dirs as [string, string, string, string, string];
    const mounts = { workTree, home, tmp, writable: [out], readOnly: [goal], network: true };
    const bare: number[] = [];
    const sandboxed: number[] = [];
    const offline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await timeSpawn(["true"]));
      sandboxed.push(await timeSpawn(["bwrap", ...sandboxArgs(mounts), "true"]));
      offline.push(
        await timeSpawn(["bwrap", ...sandboxArgs({ ...mounts, network: false }), "true"]),
      );
    }
    const added = median(sandboxed) - median(bare);
    printSection(
      "7. The agent's sandbox (target: under 100 ms added per run)",
      ["launch of `true`", "median", "added"],
      [
        ["bare spawn", formatMs(median(bare)), "–"],
        ["bwrap, network open", formatMs(median(sandboxed)), formatMs(added)],
        [
          "bwrap, own network namespace (none / allow-list)",
          formatMs(median(offline)),
          formatMs(median(offline) - median(bare)),
        ],
      ],
      [
        `${RUNS} launches each, interleaved. A run launches the sandbox once; the one-off probe that bubblewrap works (one more launch) is made once per runner process. With agent-network allow:…, the forwarder's node start comes on top.`,
      ],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
