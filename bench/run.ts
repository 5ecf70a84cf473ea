// `npm run bench`: prints figures, asserts nothing about time. Sections:
//   1. listing the first 5 queued goals (what a dispatcher with max 5 does) as the backlog grows
//   2. listing every queued goal
//   3. cold start of the bundled CLIs under Node 20 and Node 24, and the bundle sizes
//   4. peak RSS while listing 10,000 goals
//   5. one dispatch cycle of the bundled dispatcher
//   6. the runner: overhead around the agent, clone with a mirror, log streaming (bench/runner.ts)
//   7. the agent's sandbox: what bwrap adds to a launch (bench/sandbox.ts)
//   8. a simulation of 500 goals on a 48-slot host: the real dispatcher in simulated time, with
//      cron cycles and wake-ups; utilisation, makespan, requests and limits (bench/simulation.ts)
//   9. the local orchestrator CLI: 30 instant goals at --max 5, makespan against the ideal, and
//      what production pacing makes of its requests (bench/orchestrator.ts)
// Everything runs against the local GitHub API test server with pacing off (paceMs: 0; section 9
// the tests' 5 ms); what GitHub's pacing (1 s between mutating requests) would add is
// computed, not measured.
// BENCH_SECTIONS=6 (or 1,3,…) runs only those sections, while iterating on one of them.
import { cpus, platform, release, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { EDITED_GOALS, EDITORS, measureCycle } from "./dispatch.js";
import { ListingBench, type Measurement } from "./listing.js";
import { benchOrchestrator } from "./orchestrator.js";
import { bundleSizes, coldStart, type MemoryResult, measureMemory, runtimes } from "./processes.js";
import { measureRunner, printRunner } from "./runner.js";
import { benchSandbox } from "./sandbox.js";
import { benchSimulation } from "./simulation.js";
import { formatCount, formatMiB, formatMs, formatSeconds, printSection } from "./table.js";

const BACKLOGS = [100, 1_000, 10_000] as const;
const RUNNING = 50;
const DISPATCH_MAX = 5;
const LISTING_RUNS = 5;
const COLD_START_RUNS = 10;
/** A full listing whose single run takes longer than this is reported as skipped. */
const FULL_LISTING_BUDGET_MS = 30_000;
/** Full listings of one backlog stop repeating once their runs together take this long. */
const FULL_LISTING_TOTAL_MS = 40_000;
/** GitHub's guidance between mutating requests; Octokit's throttling counts GraphQL as one. */
const REAL_PACE_SECONDS = 1;

const only = process.env.BENCH_SECTIONS?.split(/[\s,]+/).filter(Boolean);
/** Whether section `n` runs (all of them unless BENCH_SECTIONS names some). */
const wants = (...sections: number[]) => !only || sections.some((n) => only.includes(String(n)));

const started = performance.now();
const cpuList = cpus();
process.stdout.write(
  [
    "# goal-orchestrator benchmarks",
    "",
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- machine: ${cpuList.length} cores (${cpuList[0]?.model.trim() ?? "unknown CPU"}), ${formatMiB(totalmem())} RAM, ${platform()} ${release()}`,
    `- runtime: Node ${process.versions.node} (server and client in this one process)`,
    "",
  ].join("\n"),
);

const requestsCell = (m: Measurement) =>
  `${m.requests.total} (${m.requests.graphql} GraphQL, ${m.requests.restWrites} REST writes)`;
const pacingCell = (m: Measurement) =>
  `+${formatSeconds(m.requests.paced * REAL_PACE_SECONDS)} (${m.requests.paced} × ${REAL_PACE_SECONDS} s)`;

/** Whether listing all 10,000 fit the budget; the memory run repeats it, so only then. */
let fullListingFits = false;
const bench = wants(1, 2, 4) ? await ListingBench.start() : null;
if (bench)
  try {
    bench.seed("running", RUNNING);
    const firstRows: string[][] = [];
    const allRows: string[][] = [];
    let warmedUp = false;
    for (const backlog of BACKLOGS) {
      bench.seed("queued", backlog);
      if (!warmedUp) {
        await bench.list("queued", DISPATCH_MAX); // JIT, keep-alive connection; not measured
        warmedUp = true;
      }

      const first = await bench.measure(LISTING_RUNS, () => bench.list("queued", DISPATCH_MAX));
      firstRows.push([
        formatCount(backlog),
        String(RUNNING),
        String(first.goals),
        requestsCell(first),
        formatMs(first.medianMs),
        pacingCell(first),
      ]);

      const all = await bench.measure(
        LISTING_RUNS,
        (deadline) => bench.list("queued", Number.POSITIVE_INFINITY, deadline),
        FULL_LISTING_BUDGET_MS,
        FULL_LISTING_TOTAL_MS,
      );
      allRows.push(
        all.complete
          ? [
              formatCount(backlog),
              String(RUNNING),
              formatCount(all.goals),
              requestsCell(all),
              all.runs < LISTING_RUNS
                ? `${formatMs(all.medianMs)} (median of ${all.runs}: time budget)`
                : formatMs(all.medianMs),
              pacingCell(all),
            ]
          : [
              formatCount(backlog),
              String(RUNNING),
              "–",
              "–",
              `skipped: one run passed ${formatSeconds(FULL_LISTING_BUDGET_MS / 1000)}`,
              "–",
            ],
      );

      if (backlog === BACKLOGS.at(-1)) fullListingFits = all.complete;
    }

    const listingHeaders = [
      "queued",
      "running",
      "goals received",
      "API requests (measured)",
      `wall time (median of ${LISTING_RUNS}, paceMs 0)`,
      "+ real pacing (computed, not measured)",
    ];
    const pacingNote = `"+ real pacing" is computed: paced requests (mutating ones: REST writes and GraphQL mutations) × ${REAL_PACE_SECONDS} s, what GitHub's guidance of one second between them would add. Not measured.`;
    printSection(
      `1. First ${DISPATCH_MAX} queued goals (a dispatcher with max ${DISPATCH_MAX})`,
      listingHeaders,
      firstRows,
      [
        "Requests counted from the test server's request log; store.connect()'s one viewer query is not included.",
        pacingNote,
      ],
    );
    printSection("2. Every queued goal", listingHeaders, allRows, [
      "The consumer only counts goals; it keeps none of them.",
      pacingNote,
    ]);

    if (bench.warnings.length > 0) {
      process.stdout.write(
        `\nClient warnings:\n${bench.warnings.map((w) => `- ${w}`).join("\n")}\n`,
      );
    }
  } finally {
    await bench.close();
  }

if (wants(3)) {
  // 3. Cold start -------------------------------------------------------------------------------
  const nodes = runtimes();
  const clis = ["dist/goal/index.js", "dist/goal-create/index.js"];
  const coldRows = clis.map((script) => [
    `node ${script} --help`,
    ...nodes.map((runtime) => {
      if (!runtime.node) return "not installed";
      const result = coldStart(runtime.node, script, ["--help"], COLD_START_RUNS);
      return `${formatMs(result.medianMs)} (${formatMs(result.minMs)}–${formatMs(result.maxMs)})`;
    }),
  ]);
  printSection(
    "3. Cold start of the bundled CLIs (process start to exit)",
    [
      "command",
      ...nodes.map((runtime) => `${runtime.label}: median of ${COLD_START_RUNS} (min–max)`),
    ],
    coldRows,
    ["One unmeasured warm-up run first, so the files are in the page cache."],
  );
  printSection(
    "3b. Bundle sizes",
    ["bundle", "size"],
    bundleSizes().map(({ path, bytes }) => [path, `${(bytes / 1024).toFixed(0)} KB`]),
  );
}

if (wants(4)) {
  // 4. Memory ------------------------------------------------------------------------------------
  const largest = BACKLOGS.at(-1) ?? 0;
  const memory: MemoryResult | null = fullListingFits ? measureMemory(largest, RUNNING) : null;
  printSection(
    `4. Memory while listing all ${formatCount(largest)} queued goals`,
    ["RSS before", "peak RSS during", "peak growth", "heap retained (after GC)"],
    memory
      ? [
          [
            formatMiB(memory.beforeBytes),
            formatMiB(memory.peakBytes),
            `+${formatMiB(memory.peakBytes - memory.beforeBytes)}`,
            `${memory.heapAfterBytes >= memory.heapBeforeBytes ? "+" : "−"}${formatMiB(Math.abs(memory.heapAfterBytes - memory.heapBeforeBytes))}`,
          ],
        ]
      : [["–", "–", "–", "skipped (the full listing was over its time budget)"]],
    [
      `In a fresh process (bench/memory.ts): the test server with ${formatCount(largest + RUNNING)} seeded issues, and the client. "before" is after seeding, a warm-up listing and a GC; process.memoryUsage().rss is sampled every 5 ms and after each goal. The consumer keeps no goal. "heap retained" is heapUsed after a forced GC, after minus before the listing.`,
    ],
  );
}

if (wants(5)) {
  // 5. Dispatch cycle ----------------------------------------------------------------------------
  const cycleRows: string[][] = [];
  for (const backlog of BACKLOGS) {
    for (const max of [DISPATCH_MAX, RUNNING + DISPATCH_MAX]) {
      const cycle = await measureCycle(backlog, RUNNING, max);
      cycleRows.push([
        formatCount(backlog),
        String(max),
        String(cycle.claimed),
        `${cycle.requests} (${cycle.graphql} GraphQL, ${cycle.restWrites} REST writes)`,
        formatMs(cycle.wallMs),
        `+${formatSeconds(cycle.paced)}`,
        formatMs(cycle.coldStartMs),
      ]);
    }
  }
  printSection(
    `5. One dispatch cycle (bundled dispatcher, ${RUNNING} goals running)`,
    [
      "queued",
      "max",
      "claimed",
      "requests (measured)",
      "wall time, pace 0",
      "+ real pacing (computed)",
      "cold start",
    ],
    cycleRows,
    [
      `The bundled dispatcher runs as a child process with the workflow's environment, against a fresh server per row. With max ${DISPATCH_MAX} and ${RUNNING} running nothing can be claimed (the cycle still reconciles and counts); with max ${RUNNING + DISPATCH_MAX} it claims ${DISPATCH_MAX}. The oldest ${EDITED_GOALS} queued goals were edited by ${EDITORS} people with write access, so each claim's text is vetted (one history query, one permission request per editor). "cold start" is process start to the server's first request. Pacing as in section 1: computed, not measured.`,
    ],
  );
}

// 6. Runner ------------------------------------------------------------------------------------
if (wants(6)) printRunner(await measureRunner());
if (wants(7)) await benchSandbox();
if (wants(8)) await benchSimulation();
if (wants(9)) await benchOrchestrator();

process.stdout.write(`\nTotal: ${formatMs(performance.now() - started)}\n`);
