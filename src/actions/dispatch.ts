import { hostname } from "node:os";
import * as core from "@actions/core";
import { workflowRunUrl } from "../core/actions-environment.js";
import { messageOf } from "../core/errors.js";
import * as input from "../core/input-values.js";
import { formatRepo } from "../core/issue-ref.js";
import type { Claimant } from "../core/markers.js";
import type { Notify } from "../core/notifications.js";
import { invalidInputs, Problems } from "../core/problems.js";
import { resolveSettings } from "../core/settings.js";
import { type DispatchReport, dispatch } from "../flows/dispatch.js";
import { dispatchEvents, notifyAll } from "../flows/dispatch-notifications.js";
import { GitHubActionsApi } from "../github/actions-api.js";
import { createClient, paceFromEnvironment } from "../github/client.js";
import { GitHubDispatchLock } from "../github/dispatch-lock.js";
import { GitHubGoalStore } from "../github/goal-store.js";
import { GitHubPullRequests } from "../github/pull-requests.js";
import { readRepositorySettings } from "../github/settings-file.js";
import { notifyNothing } from "../notify/http-notifier.js";
import { matrixOf, writeDispatchSummary } from "./dispatch-summary.js";
import { notifierOf, notifyInputs, repositoryInput, runAction, tokenInput } from "./inputs.js";
import { testClockFromEnvironment } from "./test-clock.js";

/** The dispatcher action: inputs → one dispatch cycle → matrix, counts and job summary. */
export async function dispatchAction(): Promise<void> {
  // Until the settings file is read, the inputs alone say where a failed cycle is reported.
  let notify: Notify = notifyNothing;
  await runAction(async () => {
    try {
      await dispatchCycle((next) => {
        notify = next;
      });
    } catch (error) {
      // After the failure, never instead of it: the notification's own failure is a warning.
      await notify({
        kind: "cycle-failed",
        repository: core.getInput("repository") || process.env.GITHUB_REPOSITORY || "?",
        error: messageOf(error),
        url: workflowRunUrl(process.env),
      });
      throw error;
    }
  });
}

async function dispatchCycle(useNotify: (notify: Notify) => void): Promise<void> {
  // Inputs are checked before anything is asked of GitHub, then again with the repository's
  // settings file under them (inputs win).
  useNotify(notifierOf(readDispatchInputs(null)));
  const token = tokenInput();
  const repo = repositoryInput();
  const paceMs = paceFromEnvironment(process.env);
  // Tests only: a test that kills a dispatcher moves this clock past its lock ticket.
  const testClock = testClockFromEnvironment(process.env);
  const apiUrl = process.env.GITHUB_API_URL;
  const client = createClient({ token, apiUrl, paceMs, warn: core.warning });
  const inputs = readDispatchInputs(await readRepositorySettings(client, repo));
  const notify = notifierOf(inputs);
  useNotify(notify);
  const runnersToken = core.getInput("runners-token");
  if (runnersToken) core.setSecret(runnersToken);
  const runnersClient = runnersToken
    ? createClient({ token: runnersToken, apiUrl, paceMs, warn: core.warning })
    : null;
  // Markers by the settings' marker-authors count too (an earlier token's account, say).
  const store = await GitHubGoalStore.connect({
    client,
    repo,
    paceMs,
    markerAuthors: inputs.markerAuthors,
  });
  const report = await dispatch(
    {
      store,
      actions: new GitHubActionsApi(client, repo, runnersClient),
      pulls: new GitHubPullRequests(client, repo),
      // Waiting dispatchers look again every three paces (3 s against GitHub).
      lock: new GitHubDispatchLock(client, repo, {
        pollMs: 3 * (paceMs ?? 1000),
        warn: core.warning,
        ...(testClock ? { clock: testClock.lock } : {}),
      }),
      claimant: claimantFromEnvironment(process.env),
      log: core.info,
      ...(testClock ? { now: () => new Date(testClock.now()) } : {}),
    },
    { ...inputs, checkRunners: runnersClient !== null && inputs.runnerLabels.length > 0 },
  );
  setOutputs(report, `${repo.owner}/${repo.repo}`);
  if (process.env.GITHUB_STEP_SUMMARY) await writeDispatchSummary(report, repo, inputs.budget);
  await notifyAll(
    notify,
    dispatchEvents(report, formatRepo(repo), inputs.budget, {
      runUrl: workflowRunUrl(process.env),
    }),
  );
}

export function readDispatchInputs(file: Record<string, unknown> | null) {
  const problems = new Problems();
  const settings = problems.catch(() =>
    resolveSettings({
      explicit: {
        max: core.getInput("max"),
        "max-attempts": core.getInput("max-attempts"),
        "max-review-rounds": core.getInput("max-review-rounds"),
        duration: core.getInput("duration"),
        budget: core.getInput("budget"),
        "unknown-run-cost": core.getInput("unknown-run-cost"),
        ...notifyInputs(),
      },
      file,
    }),
  );
  const goal = problems.take("goal", input.optionalIssueNumber(core.getInput("goal")), null);
  const dryRun = problems.take(
    "dry-run",
    input.trueOrFalse(core.getInput("dry-run"), false),
    false,
  );
  const runnerLabels = input.nameList(core.getInput("runner-labels"));
  if (problems.any || !settings) throw problems.error(invalidInputs);
  return {
    max: settings.max,
    maxAttempts: settings.maxAttempts,
    maxReviewRounds: settings.maxReviewRounds,
    durationSeconds: settings.durationSeconds,
    budget: settings.budget,
    unknownRunCostUsd: settings.unknownRunCostUsd,
    markerAuthors: settings.markerAuthors,
    notifyUrl: settings.notifyUrl,
    notifyFormat: settings.notifyFormat,
    notifyOn: settings.notifyOn,
    goal,
    dryRun,
    runnerLabels,
  };
}

function claimantFromEnvironment(env: NodeJS.ProcessEnv): Claimant {
  if (env.GITHUB_RUN_ID) {
    const runUrl = workflowRunUrl(env);
    return { runId: env.GITHUB_RUN_ID, ...(runUrl ? { runUrl } : {}) };
  }
  return { host: hostname(), pid: process.pid };
}

function setOutputs(report: DispatchReport, repository: string) {
  core.setOutput("matrix", JSON.stringify(matrixOf(report, repository)));
  core.setOutput("claimed", report.claimed.length);
  core.setOutput("running", report.running);
  core.setOutput("queued", report.queued);
  core.setOutput("requeued", report.requeued.length);
  core.setOutput("stuck", report.stuck.length);
  core.setOutput("cost-today", report.today ? report.today.knownUsd.toFixed(2) : "");
  core.setOutput("cost-today-estimated", report.today ? report.today.estimatedUsd.toFixed(2) : "");
  for (const note of report.notes) core.notice(note);
}
