// The stats dashboard: the figures it formats, the page it writes, and that page opened as a
// person would, in headless Chromium from file:// with no network: charts drawn from the data,
// unknown costs shown as unknown, the runs table sorting, hostile titles staying text.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { jsonForScript, renderDashboard, writeDashboard } from "../../src/stats/dashboard.js";
import {
  buildDashboardView,
  formatReadableDuration,
  safeUrl,
} from "../../src/stats/dashboard-view.js";
import { formatPartialUsd } from "../../src/stats/format.js";
import type { StatsReport } from "../../src/stats/report-types.js";
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from "../helpers/chromium.js";
import {
  emptyReport,
  GOALS,
  githubReport,
  INJECTED_TITLE,
  localReport,
  RUNS,
} from "./dashboard-fixture.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ARTIFACTS = join(ROOT, "test-artifacts");
describe("dashboard figures", () => {
  it("say unknown, never $0, for costs no run reported", () => {
    assert.equal(formatPartialUsd({ total: 12.3, known: 4, unknown: 0 }), "$12.30");
    assert.equal(
      formatPartialUsd({ total: 12.3, known: 4, unknown: 3 }),
      "$12.30 + 3 runs unknown",
    );
    assert.equal(formatPartialUsd({ total: 1, known: 1, unknown: 1 }), "$1.00 + 1 run unknown");
    assert.equal(formatPartialUsd({ total: 0, known: 0, unknown: 2 }), "unknown");
    assert.equal(formatPartialUsd({ total: 0, known: 0, unknown: 0 }), "$0.00");
    assert.equal(formatPartialUsd({ total: 1234.5, known: 9, unknown: 0 }), "$1,234.50");
    assert.equal(formatReadableDuration(null), "unknown");
    assert.equal(formatReadableDuration(2400), "40 min");
    assert.equal(formatReadableDuration(6600), "1 h 50 min");
  });

  it("keep only http(s) links", () => {
    assert.equal(safeUrl("https://github.com/a/b/pull/1"), "https://github.com/a/b/pull/1");
    assert.equal(safeUrl("javascript:alert(1)"), null);
    assert.equal(safeUrl("data:text/html,x"), null);
    assert.equal(safeUrl(null), null);
  });

  it("the view: headline costs, per-day and per-goal series, the runs most recent first", () => {
    const report = githubReport();
    const view = buildDashboardView(report);
    const figure = (label: string) => {
      const found = view.headline.find((f) => f.label === label);
      return found && [found.value, found.more].filter(Boolean).join(" ");
    };
    assert.equal(figure("cost in total"), "$10.35 + 2 runs unknown");
    assert.equal(view.headline.find((f) => f.label === "cost in total")?.unknown, true);
    assert.equal(figure("cost today"), "$0.40");
    assert.equal(figure("cost per done goal"), "$1.38 + 1 run unknown");
    assert.equal(figure("success rate"), "60%");
    assert.equal(figure("median time to done"), "40 min");
    // Nothing known at all: "unknown", not "$0.00".
    const noCosts = githubReport();
    noCosts.totals.cost_usd = { total: 0, known: 0, unknown: 9 };
    const total = buildDashboardView(noCosts).headline.find((f) => f.label === "cost in total");
    assert.deepEqual([total?.value, total?.more, total?.unknown], ["unknown", null, true]);
    assert.deepEqual(view.doneByDay.values, [1, 1, 0, 0, 0, 1]);
    // The day whose only run has no cost has no bar (null), not a zero bar.
    assert.deepEqual(view.costByDay.values, [1.25, 2.5, 0, 6.2, null, 0.4]);
    assert.deepEqual(view.costByDay.unknown, [0, 1, 0, 0, 1, 0]);
    assert.deepEqual(
      view.costByGoal.labels,
      ["#104 Rewrite the parser", "#103 Flaky network tests", `#102 ${INJECTED_TITLE}`].concat([
        "#101 Add CSV export",
        "#106 Bump dependencies",
      ]),
    );
    assert.deepEqual(
      view.costByGoal.values.map((v) => Math.round(v * 100) / 100),
      [3.4, 2.8, 2.5, 1.25, 0.4],
    );
    assert.match(view.costByGoal.note ?? "", /1 goal with no known cost not shown/);
    assert.equal(view.rows.length, RUNS.length);
    assert.equal(view.rows[0]?.finished?.sort, RUNS[RUNS.length - 1]?.finished_at);
    assert.equal(view.rows.filter((row) => row.cost?.text === "unknown").length, 2);
    assert.equal(buildDashboardView(localReport()).queue, null);
  });
});

describe("dashboard page", () => {
  it("embeds the data so that no title can end a script element", () => {
    const html = renderDashboard(githubReport());
    assert.equal(html.match(/<script\b/gi)?.length, 3, "the JSON, Chart.js and the page script");
    assert.equal(html.match(/<\/script>/gi)?.length, 3);
    assert.ok(!html.includes("<img"), "the injected tag is not in the markup");
    assert.ok(!html.includes("<!-- here"));
    assert.ok(!jsonForScript({ t: "</script><!--&" }).match(/[<>&]/));
    assert.deepEqual(JSON.parse(jsonForScript({ t: INJECTED_TITLE })), { t: INJECTED_TITLE });
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
  });

  it("writeDashboard writes index.html and data.json into a new folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dashboard-"));
    try {
      const out = join(dir, "site", "nested");
      const report = githubReport();
      const { file } = await writeDashboard(report, out);
      assert.equal(file, join(out, "index.html"));
      assert.match(await readFile(file, "utf8"), /^<!doctype html>/);
      assert.deepEqual(JSON.parse(await readFile(join(out, "data.json"), "utf8")), report);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the vendored Chart.js is the installed one (node scripts/vendor-chart.mjs --check)", () => {
    const check = spawnSync(process.execPath, ["scripts/vendor-chart.mjs", "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });
});

// ---------------------------------------------------------------------------------------------
// In the browser.

if (chromiumMissing && process.env.CI) {
  describe("dashboard in Chromium", () => {
    it("needs Chromium", () => {
      assert.fail(
        `${chromiumMissing}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    });
  });
} else {
  const skip = chromiumMissing ? `${chromiumMissing}; skipped (set CI to make this fail)` : false;
  if (skip) console.log(`# dashboard browser tests: ${skip}`);

  interface Visit {
    page: Page;
    errors: string[];
    requests: string[];
    dialogs: string[];
  }

  describe("dashboard in Chromium", { skip }, () => {
    let browser: Browser;
    let dir: string;
    const visits: Page[] = [];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "dashboard-browser-"));
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        // Playwright starts Chromium with a new, empty profile of its own.
        args: CHROMIUM_ARGS,
      });
    });
    after(async () => {
      for (const page of visits) await page.close().catch(() => {});
      await browser?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** Opens an index.html from file:// and records what a person would not see. */
    async function open(file: string): Promise<Visit> {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      visits.push(page);
      const visit: Visit = { page, errors: [], requests: [], dialogs: [] };
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") {
          visit.errors.push(`console.${message.type()}: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => visit.errors.push(`page error: ${error.message}`));
      page.on("request", (request) => visit.requests.push(request.url()));
      page.on("dialog", (dialog) => {
        visit.dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(pathToFileURL(file).href);
      await page
        .waitForFunction(
          () => (globalThis as unknown as Dashboard).__dashboard?.ready === true,
          null,
          {
            timeout: 10_000,
          },
        )
        .catch((error: Error) => {
          throw new Error(
            `the page never got ready: ${[error.message, ...visit.errors].join("\n")}`,
          );
        });
      return visit;
    }

    function assertClean(visit: Visit) {
      assert.deepEqual(visit.errors, [], "console errors or page errors");
      assert.deepEqual(visit.dialogs, [], "a dialog opened: some script ran from the data");
      const away = visit.requests.filter((url) => !url.startsWith("file://"));
      assert.deepEqual(away, [], "requests that leave file://");
    }

    it("github report: charts drawn from the data, unknowns, sorting, hostile titles", async () => {
      const report = githubReport();
      const { file } = await writeDashboard(report, join(dir, "github"));
      const visit = await open(file);
      const { page } = visit;

      // Every chart holds the report's figures.
      const charts = await page.evaluate(() => {
        const { charts } = (globalThis as unknown as Dashboard).__dashboard;
        return Object.fromEntries(
          Object.entries(charts).map(([key, chart]) => [
            key,
            {
              type: chart.config.type,
              labels: chart.data.labels,
              datasets: chart.data.datasets.map((d) => d.data),
            },
          ]),
        );
      });
      assert.deepEqual(Object.keys(charts).sort(), [
        "cost-day",
        "cost-goal",
        "done",
        "queue",
        "split",
      ]);
      assert.equal(charts.done?.type, "bar");
      assert.deepEqual(
        charts.done?.labels,
        report.days.map((day) => day.day),
      );
      assert.deepEqual(charts.done?.datasets, [report.days.map((day) => day.done)]);
      assert.deepEqual(charts["cost-day"]?.datasets, [
        report.days.map((day) =>
          day.cost_usd.known === 0 && day.cost_usd.unknown > 0 ? null : day.cost_usd.total,
        ),
      ]);
      const byCost = GOALS.filter((g) => g.cost_usd.known > 0).sort(
        (a, b) => b.cost_usd.total - a.cost_usd.total,
      );
      assert.deepEqual(charts["cost-goal"]?.datasets, [byCost.map((g) => g.cost_usd.total)]);
      assert.deepEqual(charts.queue?.datasets, [
        report.queue.map((p) => ({ x: Date.parse(p.at), y: p.queued })),
        report.queue.map((p) => ({ x: Date.parse(p.at), y: p.running })),
      ]);
      const split = report.totals.time_split;
      assert.equal(charts.split?.type, "doughnut");
      assert.deepEqual(charts.split?.datasets, [
        [split.llm.total, split.tools.total, split.overhead.total],
      ]);

      // ... and each canvas has pixels drawn on it.
      const drawn = await page.evaluate(() =>
        Array.from(
          (globalThis as unknown as BrowserWindow).document.querySelectorAll("canvas"),
        ).map((canvas) => {
          const context = canvas.getContext("2d");
          const { data } = context?.getImageData(0, 0, canvas.width, canvas.height) ?? { data: [] };
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
          return { id: canvas.id, painted };
        }),
      );
      assert.equal(drawn.length, 5);
      for (const { id, painted } of drawn) assert.ok(painted > 500, `${id}: ${painted} pixels`);

      // Headline figures; unknown costs say so.
      const headline = (await page.locator("#headline").textContent()) ?? "";
      assert.match(headline, /\$10\.35 \+ 2 runs unknown/);
      assert.match(headline, /\$1\.38 \+ 1 run unknown/);
      assert.match(headline, /60%/);
      const rates = (await page.locator("#rates").textContent()) ?? "";
      assert.match(rates, /33\.3%/, "retry rate");
      assert.match(rates, /20%/, "stuck rate");

      // The runs table, most recent first, links to the issue and the PR.
      const column = (key: string) =>
        page
          .locator(`#runs tbody td.${key}`)
          .evaluateAll((cells) => cells.map((c) => c.textContent));
      assert.equal(await page.locator("#runs tbody tr").count(), RUNS.length);
      const costs = await column("cost");
      assert.equal(costs.filter((c) => c === "unknown").length, 2);
      const bump = page.locator("#runs tbody tr").first();
      assert.equal(
        await bump.locator("td.goal a").getAttribute("href"),
        "https://github.com/acme/widgets/issues/106",
      );
      assert.equal(
        await bump.locator("td.pr a").getAttribute("href"),
        "https://github.com/acme/widgets/pull/206",
      );

      // Click "cost": most expensive first, unknown last; again: cheapest first, unknown last.
      await page.locator("#runs thead button", { hasText: /^cost$/ }).click();
      const dollars = (texts: (string | null)[]) =>
        texts.map((t) => (t === "unknown" ? t : Number(String(t).replace(/[$,]/g, ""))));
      assert.deepEqual(dollars(await column("cost")), [
        3.4,
        2.5,
        1.25,
        1.1,
        0.9,
        0.8,
        0.4,
        "unknown",
        "unknown",
      ]);
      assert.equal(
        await page.locator("#runs thead th", { hasText: /^cost/ }).getAttribute("aria-sort"),
        "descending",
      );
      await page.locator("#runs thead button", { hasText: /^cost$/ }).click();
      assert.deepEqual(dollars(await column("cost")), [
        0.4,
        0.8,
        0.9,
        1.1,
        1.25,
        2.5,
        3.4,
        "unknown",
        "unknown",
      ]);

      // The hostile title is text, in the table and the chart; no element came of it.
      const goals = await column("goal");
      assert.equal(goals.filter((g) => g === `#102 ${INJECTED_TITLE}`).length, 2);
      assert.equal(await page.locator("img").count(), 0);
      assert.equal(await page.locator("script").count(), 3);
      assert.ok(
        ((charts["cost-goal"]?.labels ?? []) as string[]).some((l) =>
          l.startsWith('#102 Fix "quoted" </script>'),
        ),
      );

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
      assertClean(visit);
    });

    it("local report: no state history, so a note instead of the queue chart", async () => {
      const { file } = await writeDashboard(localReport(), join(dir, "local"));
      const visit = await open(file);
      const { page } = visit;
      assert.match(
        (await page.locator("#box-queue").textContent()) ?? "",
        /No state history in this source/,
      );
      assert.equal(await page.locator("#box-queue canvas").count(), 0);
      const keys = await page.evaluate(() =>
        Object.keys((globalThis as unknown as Dashboard).__dashboard.charts).sort(),
      );
      assert.deepEqual(keys, ["cost-day", "cost-goal", "done", "split"]);
      // No titles or issue links locally: the goal column is the number, without a link.
      assert.equal(await page.locator("#runs tbody td.goal").first().textContent(), "#106");
      assert.equal(await page.locator("#runs tbody td.goal a").count(), 0);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-local.png"), fullPage: true });
      assertClean(visit);
    });

    it("empty report: a page that says there is nothing, without errors", async () => {
      const { file } = await writeDashboard(emptyReport(), join(dir, "empty"));
      const visit = await open(file);
      const text = (await visit.page.locator("body").textContent()) ?? "";
      assert.match(text, /No runs in this report/);
      assert.match(text, /unknown: no run reported how its time was spent/);
      assert.equal(await visit.page.locator("canvas").count(), 0);
      assertClean(visit);
    });

    it("works from an ncc bundle run with no node_modules (as dist/goal-stats is)", async () => {
      const build = join(dir, "ncc");
      // --transpile-only: this checks bundling, and ncc would otherwise type-check the whole
      // project, including others' work in progress; `npm run bundle` type-checks for real.
      execFileSync(
        process.execPath,
        [
          join(ROOT, "node_modules/@vercel/ncc/dist/ncc/cli.js"),
          "build",
          join(ROOT, "test/stats/dashboard-bundle-entry.ts"),
          "--out",
          build,
          "--no-source-map-register",
          "--transpile-only",
          "--quiet",
        ],
        { cwd: ROOT, stdio: "pipe" },
      );
      const alone = join(dir, "alone");
      await cp(build, alone, { recursive: true });
      const reportFile = join(alone, "report.json");
      await writeFile(reportFile, JSON.stringify(githubReport()));
      const out = join(alone, "site");
      const printed = execFileSync(process.execPath, [join(alone, "index.js"), reportFile, out], {
        cwd: alone,
        encoding: "utf8",
      });
      assert.equal(printed.trim(), join(out, "index.html"));
      const visit = await open(join(out, "index.html"));
      const done = await visit.page.evaluate(
        () => (globalThis as unknown as Dashboard).__dashboard.charts.done?.data.datasets[0]?.data,
      );
      assert.deepEqual(done, [1, 1, 0, 0, 0, 1]);
      assertClean(visit);
    });
  });
}

/** The little of the DOM the tests touch (the project's TypeScript has no DOM library). */
interface BrowserWindow {
  document: {
    querySelectorAll(selector: "canvas"): ArrayLike<{
      id: string;
      width: number;
      height: number;
      getContext(kind: "2d"): {
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      } | null;
    }>;
  };
}

/** What the page exposes for tests (a small part of Chart.js's chart instance). */
interface Dashboard {
  __dashboard: {
    ready: boolean;
    report: StatsReport;
    charts: Record<
      string,
      {
        config: { type: string };
        data: { labels?: unknown[]; datasets: { data: unknown[] }[] };
      }
    >;
  };
}
