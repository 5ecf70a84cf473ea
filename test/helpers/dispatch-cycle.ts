import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { matrixOf, writeDispatchSummary } from "../../src/actions/dispatch-summary.js";
import type { Budget } from "../../src/core/budget.js";
import type { RepoRef } from "../../src/core/issue-ref.js";
import { DEFAULT_SETTINGS } from "../../src/core/settings.js";
import { type DispatchReport, type DispatchSettings, dispatch } from "../../src/flows/dispatch.js";
import { GitHubActionsApi } from "../../src/github/actions-api.js";
import { createClient, type GitHubClient } from "../../src/github/client.js";
import { GitHubDispatchLock } from "../../src/github/dispatch-lock.js";
import { GitHubGoalStore } from "../../src/github/goal-store.js";
import { GitHubPullRequests } from "../../src/github/pull-requests.js";
import type { GitHubServer } from "../../tools/github-server/index.js";
import { TEST_PACE_MS } from "./github-fixture.js";

// One dispatch cycle in-process, wired as the dispatcher action wires it (src/actions/dispatch.ts):
// the real GitHub adapters against the local GitHub API server, claiming as a workflow run.

/** What a cycle needs of a test world (TestWorld and GitHubFixture both have it). */
export interface CycleWorld {
  server: GitHubServer;
  repo: RepoRef;
  /** The maintainer's token, the cycle's account unless told otherwise. */
  token: string;
}

export interface CycleOptions {
  /** The workflow run the dispatcher runs in (default 1001; seeded, in progress, when missing). */
  runId?: number | string;
  /** The token of the account it acts as (default: the world's maintainer's). */
  token?: string;
  /** The settings' marker-authors: other accounts whose markers count. */
  markerAuthors?: string[];
  /** The action's runners-token client; with `runnerLabels`, runner capacity is checked. */
  runnersClient?: GitHubClient;
}

export interface Cycle {
  report: DispatchReport;
  /** The `matrix` output's entries. */
  matrix: Array<{ goal: number; attempt: number; title: string; repository: string }>;
  /** [goal, attempt] of each claim, in order. */
  claims: Array<[number, number]>;
  /** What the cycle logged (the action's core.info lines). */
  log: string[];
}

/** Dispatch settings: the defaults the action's empty inputs resolve to, then `settings`. */
export function dispatchSettings(settings: Partial<DispatchSettings> = {}): DispatchSettings {
  return {
    max: DEFAULT_SETTINGS.max,
    maxAttempts: DEFAULT_SETTINGS.maxAttempts,
    maxReviewRounds: DEFAULT_SETTINGS.maxReviewRounds,
    durationSeconds: DEFAULT_SETTINGS.durationSeconds,
    budget: DEFAULT_SETTINGS.budget,
    unknownRunCostUsd: DEFAULT_SETTINGS.unknownRunCostUsd,
    goal: null,
    dryRun: false,
    runnerLabels: [],
    checkRunners: false,
    ...settings,
  };
}

/** A budget of `amountUsd` a day (the `budget` input `<amount>usd/day`). */
export const usdPerDay = (amountUsd: number): Budget => ({ amountUsd, period: "day" });

/**
 * One dispatch cycle, as the dispatcher action in workflow run `runId` runs it: with a client
 * and goal store of its own, so cycles run at the same moment share nothing but GitHub.
 */
export async function dispatchCycle(
  w: CycleWorld,
  settings: Partial<DispatchSettings> = {},
  options: CycleOptions = {},
): Promise<Cycle> {
  const { repo } = w;
  const runId = String(options.runId ?? 1001);
  const runs = w.server.state.requireRepo(repo.owner, repo.repo).workflowRuns;
  if (!runs.has(Number(runId)))
    w.server.addWorkflowRun(repo.owner, repo.repo, { id: Number(runId), status: "in_progress" });
  const log: string[] = [];
  const warn = (line: string) => log.push(`warning: ${line}`);
  const client = createClient({
    token: options.token ?? w.token,
    apiUrl: w.server.url,
    paceMs: TEST_PACE_MS,
    warn,
  });
  const store = await GitHubGoalStore.connect({
    client,
    repo,
    paceMs: TEST_PACE_MS,
    markerAuthors: options.markerAuthors ?? [],
  });
  const all = dispatchSettings({
    checkRunners: options.runnersClient !== undefined && (settings.runnerLabels ?? []).length > 0,
    ...settings,
  });
  const report = await dispatch(
    {
      store,
      actions: new GitHubActionsApi(client, repo, options.runnersClient ?? null),
      pulls: new GitHubPullRequests(client, repo),
      lock: new GitHubDispatchLock(client, repo, {
        pollMs: 3 * TEST_PACE_MS,
        warn,
      }),
      claimant: {
        runId,
        runUrl: `https://github.com/${repo.owner}/${repo.repo}/actions/runs/${runId}`,
      },
      log: (line) => log.push(line),
    },
    all,
  );
  const matrix = matrixOf(report, `${repo.owner}/${repo.repo}`).include;
  return {
    report,
    matrix,
    claims: matrix.map((entry) => [entry.goal, entry.attempt]),
    log,
  };
}

/**
 * The file the job summary goes to: @actions/core remembers the first GITHUB_STEP_SUMMARY it
 * reads, so every summary of this process is written to this one file.
 */
let summaryFile: string | null = null;

/** The job summary (HTML) the dispatcher action writes for `report`. */
export async function dispatchSummary(
  report: DispatchReport,
  repo: RepoRef,
  budget: Budget | null = null,
): Promise<string> {
  if (!summaryFile) {
    const dir = mkdtempSync(join(tmpdir(), "goal-summary-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    summaryFile = join(dir, "summary");
  }
  writeFileSync(summaryFile, "");
  const before = process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  try {
    await writeDispatchSummary(report, repo, budget);
    return readFileSync(summaryFile, "utf8");
  } finally {
    if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = before;
  }
}
