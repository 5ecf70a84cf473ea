import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";
import { splitArgv } from "../../src/core/argv.js";
import { DEFAULT_SETTINGS } from "../../src/core/settings.js";
import { type RunGoalReport, runGoal } from "../../src/flows/run-goal.js";
import { type RunGoalSettings, runSettingsOf } from "../../src/flows/run-settings.js";
import { GitHubPullRequests } from "../../src/github/pull-requests.js";
import { goalHelpers } from "../helpers/goals.js";
import { AGENT, agentCommand, startWorld, type TestWorld } from "../helpers/world.js";

// runGoal (src/flows/run-goal.ts) in-process, wired as the runner action wires it, against the
// local GitHub API server with a bare git repository as origin and test/agents/agent.mjs (in
// its sandbox) as the agent: what one attempt leaves on GitHub and in git. The bundle's own
// wiring (inputs, outputs, job summary, post step, signals) is tested in
// test/actions/run-action.test.ts.

const owner = "acme";
const repo = "widgets";
const RUN_ID = 4242;
const exec = promisify(execFile);

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

const { claimedGoal, stateLabels, lastResult, pulls } = goalHelpers(() => w);

interface InProcessRun {
  report: RunGoalReport;
  log: string[];
  warnings: string[];
}

/**
 * One attempt in-process, with the runner action's defaults (duration 5m as in the world's
 * runner inputs), test/agents/agent.mjs in `mode` as the agent, in the runner's environment
 * (with tokens the agent must never see).
 */
async function runAttempt(
  goal: number,
  mode: string,
  settings: Partial<RunGoalSettings> = {},
): Promise<InProcessRun> {
  const log: string[] = [];
  const warnings: string[] = [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...w.stepEnv(RUN_ID),
    GITHUB_TOKEN: w.token,
    GH_TOKEN: w.token,
    SECRET_THING: "do-not-pass",
    ALLOWED_THING: "pass-me",
  };
  const report = await runGoal(
    {
      store: w.store,
      pulls: new GitHubPullRequests(w.client, w.repo),
      env,
      log: (line) => log.push(line),
      warn: (line) => warnings.push(line),
      agentLine: (line) => log.push(line),
      runUrl: `https://github.com/${owner}/${repo}/actions/runs/${RUN_ID}`,
    },
    {
      ...runSettingsOf(DEFAULT_SETTINGS),
      durationSeconds: 300,
      agentCommand: splitArgv(agentCommand(`${mode} --goal={goal_file} --model={model}`)),
      goal,
      attempt: 1,
      base: null,
      workspaceRoot: join(w.dir, "work"),
      logDir: join(w.dir, "logs"),
      gitMirror: null,
      agentEnv: ["ALLOWED_THING"],
      resume: true,
      cloneUrl: w.bare.gitDir,
      token: w.token,
      statsFile: join(w.dir, "state", "goal-orchestrator", "stats.jsonl"),
      isolation: "sandbox",
      agentReadPaths: [dirname(AGENT)],
      agentNetwork: { kind: "open" },
      ...settings,
    },
  );
  return { report, log, warnings };
}

async function filesOn(ref: string): Promise<string[]> {
  const { stdout } = await exec("git", [
    "--git-dir",
    w.bare.gitDir,
    "ls-tree",
    "-r",
    "--name-only",
    ref,
  ]);
  return stdout.split("\n").filter(Boolean);
}

/** The goal's comments, oldest first. */
async function commentsOf(number: number) {
  return (await w.client.rest.issues.listComments({ owner, repo, issue_number: number })).data.map(
    (comment) => ({ ...comment, body: comment.body ?? "" }),
  );
}

const workspaceOf = (number: number) => join(w.dir, "work", owner, repo, String(number));
/** What test/agents/agent.mjs saw in goal `number`'s work tree. */
const dump = (number: number, name: string) =>
  readFileSync(join(workspaceOf(number), "work", ".git", "dump", name), "utf8");

describe("success", () => {
  it("opens a PR that closes the goal, requests auto-merge and records stats", async () => {
    const number = await claimedGoal("Add CSV export");
    // A clone of this goal that a killed job left half done, and another goal's.
    const leftover = join(w.dir, "work", owner, repo, `.${number}-deadbeef.cloning`);
    const otherGoals = join(w.dir, "work", owner, repo, `.${number + 1}-deadbeef.cloning`);
    mkdirSync(join(leftover, ".git"), { recursive: true });
    mkdirSync(otherGoals, { recursive: true });
    const { report } = await runAttempt(number, "commit");
    assert.equal(existsSync(leftover), false, "this goal's leftover clone is removed");
    assert.equal(existsSync(otherGoals), true, "another goal's is not this job's to remove");
    assert.equal(report.outcome, "success", report.reason);
    assert.equal(report.state, "done");
    assert.deepEqual(await stateLabels(number), ["goal:done"]);

    const [pull] = await pulls();
    assert.ok(pull);
    assert.equal(report.prUrl, pull.html_url);
    assert.equal(pull.head.ref, `goal/${number}-add-csv-export`);
    assert.equal(pull.base.ref, "main");
    assert.equal(pull.title, "Add CSV export");
    assert.match(pull.body ?? "", new RegExp(`^Closes #${number}\\n`));
    assert.match(pull.body ?? "", /Export the widget list as CSV/);
    assert.match(pull.body ?? "", /\| cost \| \$0\.42 \|/);
    const full = await w.client.rest.pulls.get({ owner, repo, pull_number: pull.number });
    assert.equal(full.data.auto_merge?.merge_method, "squash");

    const marker = await lastResult(number);
    assert.equal(marker.outcome, "success");
    assert.equal(marker.countsAsAttempt, true);
    assert.equal(marker.prUrl, pull.html_url);
    const stats = marker.stats as Record<string, unknown>;
    assert.equal(stats.goal, number);
    assert.equal(stats.attempt, 1);
    assert.equal(stats.cost_usd, 0.42);
    assert.equal(stats.iterations, 4);
    assert.deepEqual(stats.tokens, {
      input: 1200,
      output: 340,
      cache_read: 9000,
      cache_create: null,
    });
    assert.equal(stats.lines_added, 1);
    assert.equal(stats.files_changed, 1);
    assert.equal(stats.model, "sonnet");
    assert.equal(typeof stats.wall_seconds, "number");
    assert.deepEqual(report.stats, stats);

    // The goal file reached the agent and was never committed.
    assert.match(dump(number, "goal.md"), /# Goal #\d+: Add CSV export/);
    assert.deepEqual(await filesOn(pull.head.ref), ["README.md", "work.txt"]);
    const argv = JSON.parse(dump(number, "argv.json")) as string[];
    assert.equal(argv[1], `--goal=${join(workspaceOf(number), "run", "goal", "goal.md")}`);
    assert.equal(existsSync(join(workspaceOf(number), "run")), false, "the run's files are gone");
    assert.equal(argv[2], "--model=sonnet");
    const env = JSON.parse(dump(number, "env.json")) as Record<string, string>;
    assert.equal(env.GOAL_NUMBER, String(number));
    assert.equal(env.GOAL_REPOSITORY, "acme/widgets");
    assert.equal(env.GOAL_ATTEMPT, "1");
    assert.equal(env.RALPH_DURATION_SECONDS, "300");
    assert.equal(env.RALPH_REASONING, "med");

    // The log file and stats.jsonl.
    const log = readFileSync(join(w.dir, "logs", `acme-widgets-${number}-1.log`), "utf8");
    assert.match(log, /^agent: commit for goal \d+ attempt 1$/m);
    const lines = readFileSync(join(w.dir, "state", "goal-orchestrator", "stats.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0] ?? "").outcome, "success");
    assert.equal(JSON.parse(lines[0] ?? "").goal_state, "done", "where the run left the goal");
  });

  it("writes its result into the claim comment: the pull request is the only content it creates", async () => {
    const number = await claimedGoal("Count writes");
    const commentsBefore = await commentsOf(number);
    const claimComment = commentsBefore.findLast((comment) => comment.body.includes('"claim"'));
    assert.ok(claimComment, "the claim comment");
    w.server.resetRequests();
    await runAttempt(number, "commit");
    assert.equal(w.server.usage().contentCreating, 1, "one pull request, no comment");
    const after = await commentsOf(number);
    assert.equal(after.length, commentsBefore.length, "no new comment on the goal");
    const edited = after.find((comment) => comment.id === claimComment.id);
    assert.match(edited?.body ?? "", /\*\*running → done\*\*: attempt 1 succeeded/);
    // The result is dated by the edit, not by the claim comment it was added to.
    const goal = await w.store.getGoal(number);
    const result = goal.markers.find((marker) => marker.kind === "run-result");
    const done = goal.markers.findLast((marker) => marker.kind === "transition");
    assert.equal(done?.kind === "transition" && done.to, "done");
    assert.ok(result && Date.parse(result.createdAt) > Date.parse(claimComment.created_at));
    assert.equal(result.createdAt, done?.createdAt);
    assert.ok(Date.parse(result.createdAt) <= Date.parse(edited?.updated_at ?? ""));
  });

  it("posts its result in a comment of its own when the claim comment is gone", async () => {
    const number = await claimedGoal("Deleted claim comment");
    const claimComment = (await commentsOf(number)).findLast((c) => c.body.includes('"claim"'));
    assert.ok(claimComment);
    // Deleted after the runner read the goal: the edit finds nothing, the result must not be lost.
    const store = w.store;
    const getGoal = store.getGoal.bind(store);
    let reads = 0;
    store.getGoal = async (n: number) => {
      const goal = await getGoal(n);
      if (++reads === 1)
        await w.client.rest.issues.deleteComment({ owner, repo, comment_id: claimComment.id });
      return goal;
    };
    const { report } = await runAttempt(number, "commit");
    assert.equal(report.state, "done");
    const [last] = (await commentsOf(number)).slice(-1);
    assert.match(last?.body ?? "", /\*\*running → done\*\*/);
    assert.equal((await lastResult(number)).outcome, "success");
  });

  it("the agent finds no token in its environment nor in .git/config", async () => {
    const number = await claimedGoal("Snoop");
    await runAttempt(number, "commit");
    const env = dump(number, "env.json");
    assert.ok(!env.includes(w.token), "no token in the agent's environment");
    const parsed = JSON.parse(env) as Record<string, string>;
    for (const name of ["GITHUB_TOKEN", "GH_TOKEN", "SECRET_THING"])
      assert.equal(parsed[name], undefined, name);
    assert.equal(parsed.ALLOWED_THING, "pass-me");
    assert.ok(!dump(number, "git-config.txt").includes(w.token));
  });
});

describe("failure", () => {
  it("re-queues with the reason and the log tail", async () => {
    const number = await claimedGoal("Fails");
    const { report } = await runAttempt(number, "fail");
    assert.equal(report.outcome, "failure");
    assert.equal(report.state, "queued");
    assert.deepEqual(await stateLabels(number), ["goal:queued"]);
    const marker = await lastResult(number);
    assert.match(marker.reason, /exited with status 1/);
    assert.match(marker.logTail ?? "", /step 5 went wrong/);
    assert.equal(marker.countsAsAttempt, true);
    assert.deepEqual(await pulls(), []);
  });

  it("makes the goal stuck after its last attempt, mentioning the reviewers", async () => {
    const number = await claimedGoal("Fails again", { earlierFailures: 2 });
    const { report } = await runAttempt(number, "fail", {
      attempt: 3,
      maxAttempts: 3,
      reviewers: ["octocat"],
    });
    assert.equal(report.outcome, "failure", report.reason);
    assert.deepEqual(await stateLabels(number), ["goal:stuck"]);
    const comments = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    assert.match(comments.data.at(-1)?.body ?? "", /the last of 3.*cc @octocat/s);
    // The goal file told the agent about the earlier failures.
    assert.match(
      dump(number, "goal.md"),
      /Attempt 1 failed[\s\S]*earlier failure 1[\s\S]*trace of attempt 1/,
    );
  });

  it("counts an exit 0 without any change as a failure", async () => {
    const number = await claimedGoal("Nothing");
    const { report } = await runAttempt(number, "nothing");
    assert.equal(report.outcome, "failure");
    assert.match((await lastResult(number)).reason, /no changes/);
  });
});

describe("spot-check", () => {
  it("exit 3 opens a PR without auto-merge and asks the reviewers", async () => {
    const number = await claimedGoal("Review me");
    const { report } = await runAttempt(number, "review", { reviewers: ["alice", "bob"] });
    assert.equal(report.outcome, "spot-check", report.reason);
    assert.deepEqual(await stateLabels(number), ["goal:spot-check"]);
    const [pull] = await pulls();
    assert.ok(pull);
    const full = await w.client.rest.pulls.get({ owner, repo, pull_number: pull.number });
    assert.equal(full.data.auto_merge, null);
    assert.match(full.data.body ?? "", /Needs human review/);
    const comments = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    assert.match(comments.data.at(-1)?.body ?? "", /cc @alice @bob/);
  });

  it("the spot-check label or a path matching spot-check-paths needs a review too", async () => {
    const flagged = await claimedGoal("Flagged", { spotCheck: true });
    await runAttempt(flagged, "commit");
    assert.match((await lastResult(flagged)).reason, /spot-check label/);
    const path = await claimedGoal("Path");
    await runAttempt(path, "commit", { spotCheckPaths: ["docs/**", "*.txt"] });
    assert.match((await lastResult(path)).reason, /spot-check-paths: work\.txt/);
    assert.deepEqual(await stateLabels(path), ["goal:spot-check"]);
  });
});

describe("the claim and resumption", () => {
  it("resumes from the branch an earlier attempt pushed, reusing its open PR", async () => {
    const number = await claimedGoal("Resume me", { earlierFailures: 1 });
    await w.bare.commitOnBranch(`goal/${number}-resume-me`, "earlier.txt", "from attempt 1\n");
    const earlier = await w.client.rest.pulls.create({
      owner,
      repo,
      head: `goal/${number}-resume-me`,
      base: "main",
      title: "Resume me",
    });
    const { report, log } = await runAttempt(number, "commit", { attempt: 2 });
    assert.equal(report.outcome, "success", report.reason);
    assert.equal(report.prUrl, earlier.data.html_url);
    assert.equal((await pulls()).length, 1);
    assert.deepEqual(await filesOn(`goal/${number}-resume-me`), [
      "README.md",
      "earlier.txt",
      "work.txt",
    ]);
    assert.ok(
      log.some((line) => /resuming from goal\/\d+-resume-me/.test(line)),
      log.join("\n"),
    );
  });

  it("a claim for another attempt is left alone", async () => {
    const number = await claimedGoal("Not mine");
    const before = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    const { report, log } = await runAttempt(number, "commit", { attempt: 2 });
    assert.equal(report.outcome, "skipped");
    assert.ok(
      log.some((line) => /standing claim is for attempt 1, not 2/.test(line)),
      log.join("\n"),
    );
    assert.deepEqual(await stateLabels(number), ["goal:running"]);
    const after = await w.client.rest.issues.listComments({ owner, repo, issue_number: number });
    assert.equal(after.data.length, before.data.length);
    assert.ok(!existsSync(workspaceOf(number)), "the agent never ran");
    // the clone started during the claim check was deleted, and no workspace was made
    assert.deepEqual(readdirSync(join(w.dir, "work", owner, repo)), []);
  });
});

describe("stats the agent reports", () => {
  it("an invalid cost is recorded as unknown, with a warning; no cost at all, without one", async () => {
    const cases: Array<{ mode: string; warning: RegExp | null }> = [
      { mode: "cost:none", warning: null },
      { mode: "cost:-1", warning: /cost_usd is -1; accepted: a number from 0 to 10,000 \(USD\)/ },
      { mode: "cost:NaN", warning: /cost_usd is NaN; accepted: a number from 0 to 10,000 \(USD\)/ },
      {
        mode: "cost:1e12",
        warning: /cost_usd is 1000000000000; accepted: a number from 0 to 10,000 \(USD\)/,
      },
    ];
    for (const { mode, warning } of cases) {
      const number = await claimedGoal(`agent ${mode}`);
      const { report, warnings } = await runAttempt(number, mode);
      assert.equal(report.outcome, "success", `${mode}: ${report.reason}`);
      const marker = await lastResult(number);
      const stats = marker.stats ?? {};
      assert.deepEqual(
        { cost_usd: stats.cost_usd, iterations: stats.iterations, tokens: stats.tokens },
        {
          cost_usd: null,
          iterations: null,
          tokens: { input: null, output: null, cache_read: null, cache_create: null },
        },
        mode,
      );
      assert.equal(typeof stats.agent_seconds, "number", `${mode}: agent time measured`);
      assert.equal(report.stats?.cost_usd, null, mode);
      const warned = warnings.filter((line) => line.includes("the agent's stats are invalid"));
      if (warning === null) assert.deepEqual(warned, [], `${mode}: nothing to warn about`);
      else {
        assert.equal(warned.length, 1, `${mode}: ${warnings.join("\n")}`);
        assert.match(warned[0] ?? "", /^#\d+: the agent's stats are invalid/);
        assert.match(warned[0] ?? "", /the run's cost is unknown/);
        assert.match(warned[0] ?? "", warning);
      }
    }
  });
});
