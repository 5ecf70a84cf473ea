// `npm run soak -- --seeds 10`: issue 11's storm at full size (50 goals, 30 cycles) once per seed,
// then a table of figures per seed, every violation, and last a line `N violations` (the total).
// Exits non-zero when there is any. See test/storm/README.md for what is checked.
//
//   --seeds N     how many seeds (default 10)
//   --first S     the first seed (default 1): seeds S … S+N-1
//   --jobs J      storms at once (default 1; each storm keeps its own order of requests)
//   --goals G --cycles C   another size
//   --quiet       no progress lines
import { resolve } from "node:path";
import { SOAK_STORM, seededStorm } from "../test/storm/scenarios.js";
import { describe, runStorm, type StormReport } from "../test/storm/storm.js";

process.chdir(resolve(import.meta.dirname, ".."));

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`soak: --${name} wants a whole number of at least 1`);
    process.exit(2);
  }
  return value;
}

const seeds = flag("seeds", 10);
const first = flag("first", 1);
const jobs = flag("jobs", 1);
const size = { goals: flag("goals", SOAK_STORM.goals), cycles: flag("cycles", SOAK_STORM.cycles) };
const quiet = process.argv.includes("--quiet");

const reports: StormReport[] = [];
const queue = Array.from({ length: seeds }, (_, i) => first + i);
await Promise.all(
  Array.from({ length: Math.min(jobs, seeds) }, async () => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const log = quiet
        ? undefined
        : (line: string) => process.stderr.write(`[seed ${seed}] ${line}\n`);
      const report = await runStorm({ ...seededStorm(seed, size), ...(log ? { log } : {}) });
      reports.push(report);
      process.stderr.write(
        `[seed ${seed}] ${report.figures.violations} violations in ${report.figures.seconds} s\n`,
      );
    }
  }),
);
reports.sort((a, b) => a.figures.seed - b.figures.seed);

const columns = [
  ["seed", "seed"],
  ["requests", "requests"],
  ["faults", "faults"],
  ["dispatches", "dispatches"],
  ["dispatchFailures", "failed dispatches"],
  ["runs", "runs"],
  ["kills", "kills"],
  ["postSteps", "post steps"],
  ["done", "done"],
  ["stuck", "stuck"],
  ["spotCheck", "spot-check"],
  ["queued", "queued"],
  ["waiting", "of which wait on a dependency"],
  ["blocked", "on a stuck one"],
  ["running", "running"],
  ["draft", "draft"],
  ["violations", "violations"],
  ["seconds", "seconds"],
] as const;
const rows = [
  columns.map(([, title]) => title),
  ...reports.map((report) => columns.map(([key]) => String(report.figures[key]))),
];
const widths = columns.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
const line = (row: string[]) =>
  `| ${row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join(" | ")} |`;
console.log(`Storm: ${size.goals} goals, ${size.cycles} cycles per seed, 20 % faults.\n`);
console.log(line(rows[0] ?? []));
console.log(`|${widths.map((w) => `${"-".repeat(w + 1)}:`).join("|")}|`);
for (const row of rows.slice(1)) console.log(line(row));

const violations = reports.flatMap((report) => report.violations);
if (violations.length > 0) {
  console.log("\nViolations:");
  for (const violation of violations) console.log(`- ${describe(violation)}`);
}
console.log(`\n${violations.length} violations`);
process.exitCode = violations.length > 0 ? 1 : 0;
