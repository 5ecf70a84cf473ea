import * as core from "@actions/core";
import { cloneUrl as cloneUrlOf, workflowRunUrl } from "../core/actions-environment.js";
import { asError, messageOf, UserError } from "../core/errors.js";
import { issueNumber, positiveWholeNumber } from "../core/input-values.js";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import type { Notify } from "../core/notifications.js";
import { resolveMarkerAuthors, resolveSettings, SettingsError } from "../core/settings.js";
import { describeHidden } from "../core/visible-text.js";
import { type RunGoalReport, runGoal } from "../flows/run-goal.js";
import { recordInterruption, resultEvent } from "../flows/run-record.js";
import type { RunGoalSettings } from "../flows/run-settings.js";
import { statsTable } from "../flows/run-stats.js";
import { startWorkspaceClone } from "../flows/run-workspace.js";
import type { TokenProvider } from "../git/git.js";
import { connectAsApp } from "../github/app-auth.js";
import { createClient, type GitHubClient, paceFromEnvironment } from "../github/client.js";
import { GitHubGoalStore } from "../github/goal-store.js";
import { GitHubPullRequests } from "../github/pull-requests.js";
import { readRepositorySettings } from "../github/settings-file.js";
import {
  type AuthInputs,
  authInputs,
  notifierOf,
  notifyInputs,
  repositoryInput,
  runAction,
} from "./inputs.js";
import { type RunInputs, readRunInputs, readRunSettings, wakeUpInput } from "./run-inputs.js";
import { type TestClock, testClockFromEnvironment } from "./test-clock.js";
import { requestWakeUp } from "./wake-up.js";

/**
 * The runner action. One bundle serves both steps, as actions/checkout does: the main step
 * saves `isPost`, so the post step (which GitHub runs even after a failure or cancellation)
 * knows it is the post step and only makes sure the goal never stays goal:running.
 */
export async function runEntry(): Promise<void> {
  if (core.getState("isPost") === "true") await runPostAction();
  else {
    core.saveState("isPost", "true");
    await runMainAction();
  }
}

interface Session {
  /** For git: the token, or (as an App) a provider of fresh installation tokens. */
  token: TokenProvider;
  /** The API client; as an App, once the installation on the repository is found. */
  client: Promise<GitHubClient>;
}

/**
 * Authenticates as the inputs say. As an App, the installation lookup starts now and the token
 * provider waits for it, so a clone can start at once; the client renews its own token.
 */
function openSession(repo: RepoRef, auth: AuthInputs, testClock?: TestClock): Session {
  const paceMs = paceFromEnvironment(process.env);
  const options = { apiUrl: process.env.GITHUB_API_URL, paceMs, warn: core.warning };
  if (auth.kind === "token") {
    return {
      token: auth.token,
      client: Promise.resolve(createClient({ ...options, token: auth.token })),
    };
  }
  const app = connectAsApp(auth, repo, {
    ...options,
    ...(testClock ? { now: testClock.now } : {}),
  });
  app.catch(() => {}); // awaited by whoever needs it; a failure is reported there
  return {
    token: async () => (await app).token(),
    client: app.then((connection) => {
      core.info(
        `Authenticated as the GitHub App ${auth.appId} (installation ${connection.installationId}); its token is renewed as it nears expiry.`,
      );
      return connection.client;
    }),
  };
}

/** `markerAuthors`: the settings' marker-authors, whose markers count besides the token's. */
async function connect(repo: RepoRef, session: Session, markerAuthors: readonly string[]) {
  const paceMs = paceFromEnvironment(process.env);
  const client = await session.client;
  const store = await GitHubGoalStore.connect({ client, repo, paceMs, markerAuthors });
  return { client, store };
}

/**
 * marker-authors from the settings file (the runner has no such input), or none when the file
 * could not be read or that value is wrong: the run then fails on the file, and only needs the
 * store to record that, with the markers of the token's own account.
 */
function markerAuthorsOf(file: Record<string, unknown> | null | Error): string[] {
  if (file instanceof Error) return [];
  try {
    return resolveMarkerAuthors({ explicit: {}, file });
  } catch (error) {
    if (error instanceof SettingsError) return [];
    throw error;
  }
}

/** Where the main step leaves the marker authors it used, for the post step. */
const MARKER_AUTHORS_STATE = "marker-authors";

async function runMainAction(): Promise<void> {
  await runAction(async () => {
    const inputs = readRunInputs();
    forgetSecretsInEnvironment();
    const testClock = testClockFromEnvironment(process.env);
    const session = openSession(inputs.repo, inputs.auth, testClock);
    const token = session.token;
    const cloneUrl = inputs.cloneUrl ?? cloneUrlOf(process.env, inputs.repo);
    const { auth: _auth, ...rest } = inputs; // the App's key stays here
    // The clone starts now, so it overlaps connecting and the claim check (runGoal adopts it
    // once the claim stands, or deletes it). It needs none of the settings the file may set.
    const workspace = startWorkspaceClone(
      { ...rest, token, cloneUrl },
      inputs.repo,
      inputs.goal,
      core.warning,
    );
    let connected: Awaited<ReturnType<typeof connect>>;
    let file: Record<string, unknown> | null | Error;
    let markerAuthors: string[];
    try {
      // The settings file first: its marker-authors decide whose claims the store trusts.
      file = await session.client
        .then((client) => readRepositorySettings(client, inputs.repo))
        .catch(asError);
      markerAuthors = markerAuthorsOf(file);
      connected = await connect(inputs.repo, session, markerAuthors);
    } catch (error) {
      await workspace.discard();
      throw error;
    }
    const { client, store } = connected;
    const url = workflowRunUrl(process.env);
    let settings: RunGoalSettings;
    let notify: Notify;
    try {
      if (file instanceof Error) throw file;
      // The repository's settings file under the inputs (inputs win).
      settings = { ...rest, ...(file ? readRunSettings(file) : {}), token, cloneUrl };
      notify = notifierOf(resolveSettings({ explicit: notifyInputs(), file }));
    } catch (error) {
      // The goal was claimed for this run: it must not wait for its lease because the file
      // broke (or could not be read) after the dispatcher read it. No attempt is used.
      await workspace.discard();
      const message = messageOf(error);
      await recordInterruption(
        // Nothing was pushed yet, so no pull request of this attempt can exist.
        { store, log: core.info, pulls: null, maxAttempts: null, ...(url ? { runUrl: url } : {}) },
        inputs.goal,
        inputs.attempt,
        `its settings could not be used (${message.replace(/\n/g, "; ")})`,
      );
      throw error;
    }
    const controller = new AbortController();
    const abort = () => controller.abort();
    process.once("SIGTERM", abort);
    process.once("SIGINT", abort);
    if (inputs.isolation === "none") core.warning(NO_SANDBOX_WARNING);
    const report = await runGoal(
      {
        store,
        pulls: new GitHubPullRequests(client, inputs.repo),
        env: process.env,
        log: core.info,
        warn: core.warning,
        agentLine: (line) => core.info(agentLogLine(line)),
        signal: controller.signal,
        onStarted: () => {
          core.saveState("goal", String(inputs.goal));
          core.saveState("attempt", String(inputs.attempt));
          core.saveState("repository", formatRepo(inputs.repo));
          core.saveState(MARKER_AUTHORS_STATE, JSON.stringify(markerAuthors));
          core.saveState("max-attempts", String(settings.maxAttempts));
        },
        workspace,
        notify,
        ...(url ? { runUrl: url } : {}),
        ...(testClock ? { clock: testClock.deadlines } : {}),
      },
      settings,
    ).finally(() => workspace.discard()); // nothing when runGoal adopted or discarded it
    if (report.outcome !== "skipped") {
      core.saveState("recorded", "true");
      // The slot is free and the result recorded: the next cycle need not wait for the cron.
      if (inputs.wakeUp) await requestWakeUp(client, process.env, core.info, core.warning);
    }
    await writeOutputs(report, inputs);
    if (report.error !== undefined) throw report.error;
  });
}

async function writeOutputs(report: RunGoalReport, inputs: RunInputs) {
  core.setOutput("outcome", report.outcome);
  core.setOutput("pr-url", report.prUrl ?? "");
  core.setOutput("stats", report.stats ? JSON.stringify(report.stats) : "");
  if (report.outcome === "skipped") {
    core.notice(`Goal #${inputs.goal} attempt ${inputs.attempt} was not run: ${report.reason}.`);
  }
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const title = `Goal ${formatRepo(inputs.repo)}#${inputs.goal}, attempt ${inputs.attempt}: ${report.outcome}`;
  const lines = [`### ${escapeMarkdown(title)}`, "", escapeMarkdown(report.reason), ""];
  if (inputs.isolation === "none") lines.push(`> [!WARNING]\n> ${NO_SANDBOX_WARNING}`, "");
  if (report.hidden?.length) {
    lines.push(
      "Removed from the goal file because the issue page does not show it:",
      "",
      ...report.hidden.map((entry) => `- ${describeHidden([entry])}`),
      "",
    );
  }
  if (report.prUrl) lines.push(`Pull request: ${report.prUrl}`, "");
  if (report.stats) lines.push(statsTable(report.stats), "");
  await core.summary.addRaw(lines.join("\n"), true).write();
}

/**
 * Once read, the secrets the runner was handed leave its environment, so no library and no
 * child can take them from there (the agent's and git's environments are built from scratch
 * anyway). What the kernel shows in /proc/<pid>/environ is the environment the process started
 * with and stays: against that, only the sandbox helps (see docs/adopting.md).
 */
function forgetSecretsInEnvironment(): void {
  for (const name of Object.keys(process.env)) {
    if (
      /^INPUT_(TOKEN|APP-PRIVATE-KEY|APP_PRIVATE_KEY)$/i.test(name) ||
      /^(ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_ID_TOKEN_REQUEST_URL|GITHUB_TOKEN|GH_TOKEN)$/.test(
        name,
      )
    ) {
      delete process.env[name];
    }
  }
}

const NO_SANDBOX_WARNING =
  "isolation: none — the agent ran without a sandbox, as the runner's user: it could read this job's secrets from the runner's processes, change files outside its clone and leave processes behind. Use isolation: sandbox (bubblewrap) unless this machine runs only trusted agents.";

/**
 * An agent's output line as the job log shows it. The runner reads a line starting (after
 * blanks) with `::`, or holding `##[` anywhere, as a workflow command, and ends lines at `\r`
 * too: the fixed prefix and the two replacements leave the agent no way to issue one.
 */
export function agentLogLine(line: string): string {
  return `│ ${line.replace(/\r/g, "␍").replace(/##\[/g, "## [")}`;
}

function savedMarkerAuthors(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text || "[]");
    return Array.isArray(value) ? value.filter((login) => typeof login === "string") : [];
  } catch {
    return [];
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

async function runPostAction(): Promise<void> {
  await runAction(async () => {
    if (core.getState("recorded") === "true") return;
    const job = postStepJob();
    if (!job) return;
    const { repo, goal, attempt } = job;
    const problems: string[] = [];
    const auth = authInputs(problems);
    if (!auth) throw new UserError(problems.join("\n"));
    const session = openSession(repo, auth, testClockFromEnvironment(process.env));
    // The marker authors the main step trusted (the claim it worked under may be theirs), or,
    // when it died before saying, the settings file's, as the main step reads them.
    const markerAuthors =
      job.markerAuthors ??
      markerAuthorsOf(
        await session.client.then((client) => readRepositorySettings(client, repo)).catch(asError),
      );
    const { store, client } = await connect(repo, session, markerAuthors);
    const url = workflowRunUrl(process.env);
    const maxAttempts = Number(core.getState("max-attempts")) || null;
    const settled = await recordInterruption(
      {
        store,
        log: core.info,
        pulls: new GitHubPullRequests(client, repo),
        maxAttempts,
        ...(url ? { runUrl: url } : {}),
      },
      goal,
      attempt,
      "the runner stopped before it recorded a result (the job was cancelled, timed out or its process died)",
    );
    // A goal the post step settled as stuck, spot-check or done (its pull request decided) is
    // news like any other result. The notify inputs only: the post step reads no settings file.
    const event = settled
      ? resultEvent(settled.goal, formatRepo(repo), settled.to, settled.reason, settled.prUrl)
      : null;
    if (event) await postStepNotifier()(event);
    const wakeUp = wakeUpInput();
    if (settled && wakeUp.ok && wakeUp.value) {
      await requestWakeUp(client, process.env, core.info, core.warning);
    }
  });
}

function postStepNotifier(): Notify {
  try {
    return notifierOf(resolveSettings({ explicit: notifyInputs(), file: null }));
  } catch {
    return async () => {}; // the main step already failed on these inputs, saying why
  }
}

/**
 * The goal and attempt the main step worked on: from its saved state or, when it died before
 * saving any (killed while checking its claim), from the step's inputs: the dispatcher already
 * moved the goal to goal:running for this attempt, and no one else frees it before its lease
 * ends. recordInterruption changes nothing unless the goal is still running that attempt.
 */
function postStepJob(): {
  repo: RepoRef;
  goal: number;
  attempt: number;
  markerAuthors: string[] | null;
} | null {
  const repository = core.getState("repository");
  const saved = { goal: Number(core.getState("goal")), attempt: Number(core.getState("attempt")) };
  if (saved.goal && saved.attempt && repository) {
    const [owner = "", repo = ""] = repository.split("/");
    const markerAuthors = savedMarkerAuthors(core.getState(MARKER_AUTHORS_STATE));
    return { repo: { owner, repo }, ...saved, markerAuthors };
  }
  // Read as the main step reads them: it refused any other text, so nothing ran for it.
  const goal = issueNumber(core.getInput("goal"));
  const attempt = positiveWholeNumber(core.getInput("attempt"));
  if (!goal.ok || !attempt.ok) return null;
  try {
    return {
      repo: repositoryInput(),
      goal: goal.value,
      attempt: attempt.value,
      markerAuthors: null,
    };
  } catch {
    return null;
  }
}
