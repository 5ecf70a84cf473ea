// A tiny entry point the dashboard test bundles with ncc, as `npm run bundle` bundles the CLIs,
// and runs from a folder with no node_modules: proves the inlined Chart.js survives bundling.
// Usage: node index.js <report.json> <out dir>
import { readFileSync } from "node:fs";
import { writeDashboard } from "../../src/stats/dashboard.js";
import type { StatsReport } from "../../src/stats/report-types.js";

const [reportFile, outDir] = process.argv.slice(2);
if (!reportFile || !outDir) throw new Error("usage: index.js <report.json> <out dir>");
const report = JSON.parse(readFileSync(reportFile, "utf8")) as StatsReport;
writeDashboard(report, outDir).then(({ file }) => console.log(file));
