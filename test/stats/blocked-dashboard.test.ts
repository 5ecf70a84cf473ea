// Blocked goals on the dashboard: queued goals whose dependency is goal:stuck, rebuilt from the
// issues alone by the bundled `goal-stats dashboard --from github` (a real process against the
// local GitHub API server), and the page opened in headless Chromium.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { encodeMarker } from "../../src/core/markers.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { buildDashboardView } from "../../src/stats/dashboard-view.js";
import type { StatsReport } from "../../src/stats/report-types.js";
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from "../helpers/chromium.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";
import { run } from "../helpers/runtimes.js";
import { githubReport, localReport } from "./dashboard-fixture.js";

const GOAL_STATS = resolve("dist/goal-stats/index.js");

describe("blocked goals in the dashboard view", () => {
  it("lists them for the GitHub source, and says nothing is known for local stats", () => {
    const report: StatsReport = {
      ...githubReport(),
      blocked: [
        {
          repository: "acme/widgets",
          goal: 14,
          title: "Export CSV",
          url: "https://github.com/acme/widgets/issues/14",
          by: ["#12", "acme/lib#3"],
        },
        {
          repository: "acme/widgets",
          goal: 15,
          title: "Bad link",
          url: "javascript:alert(1)",
          by: ["#12"],
        },
      ],
    };
    assert.deepEqual(buildDashboardView(report).blocked, {
      items: [
        {
          label: "#14 Export CSV",
          href: "https://github.com/acme/widgets/issues/14",
          by: "#12, acme/lib#3",
        },
        { label: "#15 Bad link", href: null, by: "#12" },
      ],
    });
    assert.deepEqual(buildDashboardView({ ...githubReport(), blocked: undefined }).blocked, {
      items: [],
    });
    assert.equal(buildDashboardView(localReport()).blocked, null);
  });
});

describe("goal-stats dashboard --from github with blocked goals", () => {
  let gh: GitHubFixture;
  let dir: string;
  beforeEach(async () => {
    gh = await startGitHubFixture({ labels: true });
    dir = await mkdtemp(join(tmpdir(), "blocked-dashboard-"));
  });
  afterEach(async () => {
    await gh.close();
    await rm(dir, { recursive: true, force: true });
  });

  const goal = async (title: string, depends: string[] = []) => {
    const body = depends.length > 0 ? `${GOAL_BODY}\nDepends: ${depends.join(", ")}\n` : GOAL_BODY;
    return (await createGoal(gh.store, { title, body, queue: true, spotCheck: false })).number;
  };

  it("shows each blocked goal once, by its stuck dependencies, ignoring stale and pasted markers", async () => {
    const dependency = await goal("Parse widgets");
    await gh.store.transition(dependency, { to: "stuck", reason: "failed (test)" });
    const fixed = await goal("Stuck once, queued again since");
    const dependent = await goal("Export <b>CSV</b>", [`#${dependency}`]);
    // A dependency in another repository: the dispatcher's marker is the word for it.
    const upstream = await goal("Needs the upstream parser");
    await gh.store.recordMarker(upstream, "Blocked (test).", {
      kind: "blocked",
      by: ["acme/lib#3"],
    });
    const stale = await goal("Stale marker");
    await gh.store.recordMarker(stale, "Blocked (test).", {
      kind: "blocked",
      by: [`acme/widgets#${fixed}`],
    });
    const pasted = await goal("Pasted marker");
    const outsider = await gh.as("mallory");
    await outsider.client.rest.issues.createComment({
      owner: "acme",
      repo: "widgets",
      issue_number: pasted,
      body: encodeMarker({ kind: "blocked", by: [`acme/widgets#${dependency}`] }),
    });

    const site = join(dir, "site");
    const result = await run(
      process.execPath,
      [GOAL_STATS, "dashboard", "--from", "github", "--out", site],
      { env: gh.env },
    );
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(await readFile(join(site, "data.json"), "utf8")) as StatsReport;
    assert.deepEqual(
      (report.blocked ?? []).map((row) => [row.goal, row.by]).sort(),
      [
        [dependent, [`#${dependency}`]],
        [upstream, ["acme/lib#3"]],
      ].sort(),
    );
    assert.ok(![stale, pasted, fixed].some((n) => report.blocked?.some((row) => row.goal === n)));

    if (chromiumMissing) return; // dashboard.test.ts says so; the data above is checked anyway.
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(pathToFileURL(join(site, "index.html")).href);
      await page.waitForFunction(
        () => (globalThis as unknown as { __dashboard?: { ready: boolean } }).__dashboard?.ready,
      );
      const items = await page.$$eval("#blocked li", (lis) =>
        lis.map((li) => ({
          text: li.textContent,
          href: li.querySelector("a")?.getAttribute("href") ?? null,
          bold: li.querySelector("b") !== null,
        })),
      );
      assert.deepEqual(
        items.sort((a, b) => (a.text ?? "").localeCompare(b.text ?? "")),
        [
          {
            text: `#${dependent} Export <b>CSV</b> · blocked by #${dependency} (stuck)`,
            href: `${gh.server.url}/acme/widgets/issues/${dependent}`,
            bold: false,
          },
          {
            text: `#${upstream} Needs the upstream parser · blocked by acme/lib#3 (stuck)`,
            href: `${gh.server.url}/acme/widgets/issues/${upstream}`,
            bold: false,
          },
        ].sort((a, b) => a.text.localeCompare(b.text)),
      );
      assert.match(
        (await page.textContent("#note-blocked")) ?? "",
        /each waits for a goal:stuck dependency/,
      );
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
