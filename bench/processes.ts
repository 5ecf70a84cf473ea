// Measurements that run child processes: cold start of the bundled CLIs, bundle sizes, and the
// memory benchmark (bench/memory.ts) in a fresh process.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { median } from "./table.js";

export const NODE24 = resolve("tools/node24/node_modules/.bin/node");

export interface Runtime {
  label: string;
  /** The node binary, or null when it is not installed. */
  node: string | null;
}

/** This Node (the one running the benchmark, Node 20 in development) and Node 24 if present. */
export function runtimes(): Runtime[] {
  const node24 = existsSync(NODE24) ? NODE24 : null;
  const version = node24 ? nodeVersion(node24) : null;
  return [
    { label: `Node ${process.versions.node}`, node: process.execPath },
    { label: version ? `Node ${version}` : "Node 24", node: node24 },
  ];
}

function nodeVersion(node: string): string | null {
  const result = spawnSync(node, ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim().replace(/^v/, "") : null;
}

export interface ColdStart {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * Runs `node <script> <args>` `runs` times after one unmeasured warm-up (so the file cache is
 * warm, as on a runner that just checked out the action) and times each run from spawn to exit.
 */
export function coldStart(node: string, script: string, args: string[], runs: number): ColdStart {
  const once = () => {
    const started = performance.now();
    const result = spawnSync(node, [script, ...args], {
      stdio: "ignore",
      env: { PATH: process.env.PATH ?? "" },
    });
    const elapsed = performance.now() - started;
    if (result.status !== 0) {
      throw new Error(`${node} ${script} ${args.join(" ")} exited with ${result.status}`);
    }
    return elapsed;
  };
  once();
  const times = Array.from({ length: runs }, once);
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
}

/** Every dist/<name>/index.js with its size in bytes. */
export function bundleSizes(dist = "dist"): Array<{ path: string; bytes: number }> {
  if (!existsSync(dist)) return [];
  return readdirSync(dist, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dist, entry.name, "index.js"))
    .filter((path) => existsSync(path))
    .map((path) => ({ path, bytes: statSync(path).size }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

export interface MemoryResult {
  beforeBytes: number;
  peakBytes: number;
  /** V8 heap in use after a forced GC, before and after the listing: what it left behind. */
  heapBeforeBytes: number;
  heapAfterBytes: number;
  goals: number;
}

/** Runs bench/memory.ts in a fresh Node process (server and client together, nothing else). */
export function measureMemory(queued: number, running: number): MemoryResult {
  const result = spawnSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", "bench/memory.ts", String(queued), String(running)],
    { encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(`bench/memory.ts exited with ${result.status}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "") as MemoryResult;
}
