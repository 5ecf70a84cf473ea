/**
 * The stats dashboard page: one self-contained HTML file (no network, works from file:// and
 * GitHub Pages) with the view (dashboard-view.ts) as escaped JSON, the inlined Chart.js and the
 * page's own script (dashboard-page.ts), which builds its DOM with textContent from that view.
 * A Content-Security-Policy lets only those two scripts run.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DASHBOARD_CLIENT_JS, DASHBOARD_CSS } from "./dashboard-page.js";
import { buildDashboardView, COST_CHART_GOALS } from "./dashboard-view.js";
import type { StatsReport } from "./report-types.js";
import { CHART_JS_BASE64 } from "./vendor/chart-js.js";

/** JSON safe inside a <script> element: no `<`, `>` or `&` (so no `</script>` or `<!--`). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

let chartSource: string | undefined;
function chartJs(): string {
  chartSource ??= Buffer.from(CHART_JS_BASE64, "base64").toString("utf8");
  return chartSource;
}

function chartBox(id: string, title: string, label: string): string {
  return [
    `<section class="card" id="card-${id}">`,
    `<h2>${escapeHtml(title)}</h2>`,
    `<div class="chart" id="box-${id}"><canvas id="chart-${id}" role="img" aria-label="${escapeHtml(label)}"></canvas></div>`,
    `<p class="note" id="note-${id}"></p>`,
    "</section>",
  ].join("\n");
}

/** One complete HTML document; the data goes in as escaped JSON and out through textContent. */
export function renderDashboard(report: StatsReport): string {
  const view = buildDashboardView(report);
  const library = chartJs();
  const client = DASHBOARD_CLIENT_JS;
  // Only these two scripts may run, and nothing may be fetched: a title that slipped into the
  // markup could neither run code nor load an image.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(library)} ${sha256(client)}`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(view.title)}</title>`,
    `<style>${DASHBOARD_CSS}</style>`,
    "</head>",
    "<body>",
    "<header>",
    '<h1 id="title"></h1>',
    '<p id="subtitle"></p>',
    "</header>",
    '<noscript><p class="note">The charts need JavaScript; data.json next to this page holds every figure.</p></noscript>',
    '<section class="figures" id="headline" aria-label="headline figures"></section>',
    '<div class="grid">',
    chartBox("done", "Goals done per day", "goals done per day"),
    chartBox("queue", "Queue depth", "goals queued and running over time"),
    chartBox("cost-day", "Cost per day", "cost per day in US dollars"),
    chartBox("cost-goal", `Cost per goal (top ${COST_CHART_GOALS})`, "cost per goal in US dollars"),
    '<section class="card" id="card-rates"><h2>Rates</h2><div class="figures small" id="rates"></div></section>',
    chartBox("split", "Where the time went", "time split between LLM, tools and overhead"),
    '<section class="card" id="card-blocked"><h2>Blocked goals</h2><ul class="blocked" id="blocked"></ul><p class="note" id="note-blocked"></p></section>',
    "</div>",
    '<section class="card wide" id="card-runs">',
    "<h2>Recent runs</h2>",
    '<div class="table-wrap"><table id="runs"><thead><tr></tr></thead><tbody></tbody></table></div>',
    '<p class="note" id="note-runs"></p>',
    "</section>",
    '<footer id="footer"></footer>',
    `<script type="application/json" id="dashboard-data">${jsonForScript({ report, view })}</script>`,
    `<script>${library}</script>`,
    `<script>${client}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Writes `index.html` and `data.json` (the report) into outDir, creating it. */
export async function writeDashboard(
  report: StatsReport,
  outDir: string,
): Promise<{ file: string }> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, "index.html");
  await writeFile(file, renderDashboard(report));
  await writeFile(join(outDir, "data.json"), `${JSON.stringify(report, null, 2)}\n`);
  return { file };
}
