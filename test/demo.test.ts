import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { it } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import type { StatsReport } from "../src/stats/report-types.js";
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from "./helpers/chromium.js";
import { run } from "./helpers/runtimes.js";

it("npm run demo drives seven goals (one an outsider edited) to done through the bundled dispatcher and runner", async () => {
  const result = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: process.cwd(),
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /demo: every goal ended as expected/);
  assert.match(result.stdout, / 0 contract violations\./);
  // The story along the way: a failed attempt, a spot-check, a failed CI check, a re-queue.
  assert.match(result.stdout, /runner #3 attempt 1: failure/);
  assert.match(result.stdout, /runner #5 attempt 1: spot-check/);
  assert.match(
    result.stdout,
    /# 8\. Notifications that arrived[^\n]*\n( {2}.*\n)* {2}Spot-check: acme\/widgets#5 \[eyes, priority 4\]: /,
  );
  assert.match(result.stdout, / {2}Done: acme\/widgets#\d+ \[white_check_mark, priority 2\]: /);
  assert.match(result.stdout, /ci on PR #\d+ \(goal\/6-speed-up-the-parser\): FAILED/);
  assert.match(result.stdout, /runner #6 attempt 2: success/);
  assert.match(result.stdout, /goal approve 5\n {2}#5: approved; pull request #\d+ merged/);
  // A review round: a reviewer requests changes, the next run updates the same pull request.
  assert.match(result.stdout, /# 4c\. A reviewer requests changes on PR #(\d+) \(#7\)/);
  assert.match(result.stdout, /runner #7 attempt 2: success/);
  assert.match(result.stdout, /@you: Review round 1: attempt 2 .*pushed 1 commit/);
  const final = result.stdout.split("# 6. Final board")[1] ?? "";
  for (const [goal, attempts] of [
    [2, 1],
    [3, 2],
    [4, 1],
    [5, 1],
    [6, 2],
    [7, 1],
    [8, 1],
  ]) {
    assert.match(final, new RegExp(`#${goal} +goal:done +${attempts} +#\\d+ merged`));
  }
  assert.match(final, /story #1: closed/);
  assert.match(result.stdout, /# 4b\. #8 went back to goal:draft: .*the body by @outsider/);
  const data = JSON.parse(readFileSync("demo-output/site/data.json", "utf8")) as StatsReport;
  assert.equal(data.totals.done, 7);
  assert.equal(data.totals.runs, 10);
  assert.ok(data.queue.length > 0, "queue depth rebuilt from the transitions");
  assert.ok(existsSync("demo-output/site/index.html"));

  // The demo's dashboard as a person sees it, kept as a test artefact.
  if (chromiumMissing && !process.env.CI) return;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(resolve("demo-output/site/index.html")).href);
    await page.waitForFunction(
      () => (globalThis as { __dashboard?: { ready?: boolean } }).__dashboard?.ready === true,
    );
    const done = await page.evaluate(() => {
      const dashboard = (
        globalThis as unknown as {
          __dashboard: {
            charts: Record<string, { data: { datasets: Array<{ data: number[] }> } }>;
          };
        }
      ).__dashboard;
      return dashboard.charts.done?.data.datasets[0]?.data;
    });
    assert.deepEqual(done, [7], "one day, seven goals done");
    assert.deepEqual(errors, []);
    mkdirSync("test-artifacts", { recursive: true });
    await page.screenshot({ path: "test-artifacts/demo-dashboard.png", fullPage: true });
  } finally {
    await browser.close();
  }
});
