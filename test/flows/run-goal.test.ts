import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";
import { parseNetworkSetting } from "../../src/agent/egress.js";
import { splitArgv } from "../../src/core/argv.js";
import { DEFAULT_SETTINGS } from "../../src/core/settings.js";
import { type RunGoalReport, runGoal } from "../../src/flows/run-goal.js";
import { type RunGoalSettings, runSettingsOf } from "../../src/flows/run-settings.js";
import { ENABLE_AUTO_MERGE_MUTATION, GitHubPullRequests } from "../../src/github/pull-requests.js";
import { INVALID_COSTS, UNKNOWN_FIGURES } from "../helpers/agent-costs.js";
import { GOAL_BODY } from "../helpers/github-fixture.js";
import { goalHelpers } from "../helpers/goals.js";
import {
  AGENT,
  agentCommand,
  startWorld,
  type TestWorld,
  type WorldOptions,
} from "../helpers/world.js";

// runGoal (src/flows/run-goal.ts) in-process, wired as the runner action wires it, against the
// local GitHub API server with a bare git repository as origin and test/agents/agent.mjs (in
// its sandbox) as the agent: what one attempt leaves on GitHub and in git. This file owns the
// runner's behaviour; the bundle's own wiring (inputs, outputs, job summary, post step, signals,
// the test clock, other runtimes) is smoke-tested in test/actions/run-action.test.ts.

const owner = "acme";
const repo = "widgets";
const RUN_ID = 4242;
const exec = promisify(execFile);

let w: TestWorld;

beforeEach(async () => {
  w = await startWorld();
});
afterEach(() => w.close());

/** This test's world, started again with other repository settings. */
async function restart(options: WorldOptions) {
  await w.close();
  w = await startWorld(options);
}

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
    RUNNER_TRACKING_ID: "github_test_tracking",
    // In the runner's environment, as on a real runner: the agent must never see these.
    GITHUB_TOKEN: w.token,
    GH_TOKEN: w.token,
    INPUT_TOKEN: w.token,
    GITHUB_STATE: join(w.dir, "github-state"),
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
    assert.deepEqual(w.filesOn(pull.head.ref), ["README.md", "work.txt"]);
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
    // Had the claim comment stayed, the result would be edited into it and be last too.
    assert.notEqual(last?.id, claimComment.id, "a comment of its own");
    assert.match(last?.body ?? "", /\*\*running → done\*\*/);
    assert.equal((await lastResult(number)).outcome, "success");
  });

  it("merges directly when GitHub can merge now (no protection on the base)", async () => {
    await restart({ protectedBranches: [] });
    const number = await claimedGoal("Merge now");
    const { report } = await runAttempt(number, "commit", { mergeMethod: "merge" });
    assert.equal(report.outcome, "success", report.reason);
    const [pull] = await pulls();
    assert.ok(pull?.merged_at, "merged");
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    assert.match((await lastResult(number)).reason, /merged/);
  });

  it("commits what the agent left uncommitted, as the runner's bot", async () => {
    const number = await claimedGoal("Leave it");
    const { report } = await runAttempt(number, "leave");
    assert.equal(report.outcome, "success", report.reason);
    const [pull] = await pulls();
    assert.ok(pull);
    const { stdout } = await exec("git", [
      "--git-dir",
      w.bare.gitDir,
      "log",
      "-1",
      "--format=%an|%s",
      pull.head.ref,
    ]);
    assert.match(stdout, /^github-actions\[bot\]\|goal #\d+: changes the agent left uncommitted/);
    assert.deepEqual(w.filesOn(pull.head.ref), ["README.md", "work.txt"]);
  });

  it("a goal's Model: and Reasoning: lines win over the settings", async () => {
    const number = await claimedGoal("Model", {
      body: `${GOAL_BODY}\nModel: opus Reasoning: high\n`,
    });
    await runAttempt(number, "commit", { model: "haiku", reasoning: "low" });
    const env = JSON.parse(dump(number, "env.json")) as Record<string, string>;
    assert.equal(env.RALPH_MODEL, "opus");
    assert.equal(env.RALPH_REASONING, "high");
  });
});

describe("what the agent sees", () => {
  it("no token, in its environment or .git/config; allow-listed variables and RUNNER_TRACKING_ID pass", async () => {
    const number = await claimedGoal("Snoop");
    await runAttempt(number, "commit");
    const env = dump(number, "env.json");
    assert.ok(!env.includes(w.token), "no token in the agent's environment");
    const parsed = JSON.parse(env) as Record<string, string>;
    for (const name of ["GITHUB_TOKEN", "GH_TOKEN", "INPUT_TOKEN", "SECRET_THING", "GITHUB_STATE"])
      assert.equal(parsed[name], undefined, name);
    assert.equal(parsed.ALLOWED_THING, "pass-me");
    // The runner's orphan cleanup finds the agent by it.
    assert.equal(parsed.RUNNER_TRACKING_ID, "github_test_tracking");
    assert.ok(!dump(number, "git-config.txt").includes(w.token));
    // The sandbox hides the runner's processes and files: the agent has a HOME of its own, and
    // sees itself as one of very few processes (bwrap's init, node, maybe git).
    assert.equal(parsed.HOME, join(workspaceOf(number), "run", "home"));
    assert.equal(parsed.TMPDIR, "/tmp");
    assert.ok(Number(dump(number, "pid")) < 10, `pid in the sandbox: ${dump(number, "pid")}`);
  });

  it("agent-network allow: reaches listed hosts through the proxy, and nothing else", async () => {
    const hits: string[] = [];
    const serve = (name: string) =>
      new Promise<Server>((done) => {
        const server = createServer((_request, res) => {
          hits.push(name);
          res.end(name);
        });
        server.listen(0, "127.0.0.1", () => done(server));
      });
    const [allowed, denied] = await Promise.all([serve("allowed"), serve("denied")]);
    const port = (server: Server) => (server.address() as AddressInfo).port;
    const urls = [allowed, denied].map((server) => `http://localhost:${port(server)}/`);
    try {
      const number = await claimedGoal("Networked");
      const { report, warnings } = await runAttempt(number, `net:${urls.join(",")}`, {
        agentNetwork: parseNetworkSetting(`allow:localhost:${port(allowed)}`),
      });
      assert.equal(report.outcome, "success", report.reason);
      const net = JSON.parse(dump(number, "net.json")) as Record<
        string,
        { proxied: { status?: number; body?: string }; direct: { error?: string } }
      >;
      assert.deepEqual(net[urls[0] as string]?.proxied, { status: 200, body: "allowed" });
      assert.equal(net[urls[1] as string]?.proxied.status, 403);
      for (const url of urls) assert.ok(net[url]?.direct.error, `no direct way to ${url}`);
      assert.deepEqual(hits, ["allowed"], "the denied host was never contacted");
      assert.ok(
        warnings.some((line) => /blocked the agent's connection to localhost:\d+/.test(line)),
        warnings.join("\n"),
      );
    } finally {
      allowed.close();
      denied.close();
    }
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
  it("a push that origin refuses, or a PR GitHub will not open, fails the attempt", async () => {
    const hook = join(w.bare.gitDir, "hooks", "pre-receive");
    writeFileSync(hook, "#!/bin/sh\necho 'protected by policy' >&2\nexit 1\n", { mode: 0o755 });
    const refused = await claimedGoal("Refused push");
    const pushed = await runAttempt(refused, "commit");
    assert.equal(pushed.report.outcome, "failure", pushed.report.reason);
    assert.match((await lastResult(refused)).reason, /push failed: .*protected by policy/s);
    assert.deepEqual(await stateLabels(refused), ["goal:queued"]);
    rmSync(hook);

    w.server.faults.add({ route: "pulls/create", status: 403, times: 1 });
    const noPull = await claimedGoal("No PR");
    const opened = await runAttempt(noPull, "commit");
    assert.equal(opened.report.outcome, "failure", opened.report.reason);
    assert.match(
      (await lastResult(noPull)).reason,
      /opening the pull request failed: .*; the work is on branch goal\/\d+-no-pr/,
    );
    assert.deepEqual(await stateLabels(noPull), ["goal:queued"]);
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

  it("a repository that does not allow auto-merge ends in spot-check, saying so", async () => {
    await restart({ allowAutoMerge: false });
    const number = await claimedGoal("No auto-merge");
    const { report } = await runAttempt(number, "commit");
    assert.equal(report.outcome, "spot-check", report.reason);
    assert.match((await lastResult(number)).reason, /does not allow auto-merge/);
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
    assert.deepEqual(w.filesOn(`goal/${number}-resume-me`), [
      "README.md",
      "earlier.txt",
      "work.txt",
    ]);
    assert.ok(
      log.some((line) => /resuming from goal\/\d+-resume-me/.test(line)),
      log.join("\n"),
    );
  });

  /** Runs `attempt` and checks the runner skipped the goal for `why`, touching nothing. */
  async function assertLeftAlone(number: number, attempt: number, why: RegExp, label: string) {
    const before = await commentsOf(number);
    const { report, log } = await runAttempt(number, "commit", { attempt });
    assert.equal(report.outcome, "skipped");
    assert.ok(
      log.some((line) => why.test(line)),
      log.join("\n"),
    );
    assert.deepEqual(await stateLabels(number), [label]);
    assert.equal((await commentsOf(number)).length, before.length);
    assert.ok(!existsSync(workspaceOf(number)), "the agent never ran");
    // the clone started during the claim check was deleted, and no workspace was made
    assert.deepEqual(readdirSync(join(w.dir, "work", owner, repo)), []);
  }

  it("a claim for another attempt is left alone", async () => {
    const number = await claimedGoal("Not mine");
    await assertLeftAlone(number, 2, /standing claim is for attempt 1, not 2/, "goal:running");
  });

  it("a goal no longer running (re-queued since its claim) is left alone", async () => {
    const number = await claimedGoal("Re-queued meanwhile");
    await w.client.rest.issues.setLabels({
      owner,
      repo,
      issue_number: number,
      labels: ["goal:queued"],
    });
    await assertLeftAlone(number, 1, /goal is goal:queued, not goal:running/, "goal:queued");
  });

  it("a goal whose pull request already has auto-merge enabled is not run again", async () => {
    const number = await claimedGoal("Already merging", { earlierFailures: 1 });
    const branch = `goal/${number}-already-merging`;
    await w.bare.commitOnBranch(branch, "earlier.txt", "attempt 1's work\n");
    const { data: earlier } = await w.client.rest.pulls.create({
      owner,
      repo,
      head: branch,
      base: "main",
      title: "Already merging",
    });
    await w.client.graphql(ENABLE_AUTO_MERGE_MUTATION, {
      pullRequestId: earlier.node_id,
      mergeMethod: "SQUASH",
    });
    const { report, log } = await runAttempt(number, "commit", { attempt: 2 });
    assert.equal(report.error, undefined);
    assert.ok(
      log.some((line) => /already has auto-merge enabled/.test(line)),
      log.join("\n"),
    );
    assert.ok(!existsSync(join(workspaceOf(number), "work")), "the agent never ran");
    assert.deepEqual(await stateLabels(number), ["goal:done"]);
    const marker = await lastResult(number);
    assert.equal(marker.countsAsAttempt, false);
    assert.equal(marker.prUrl, earlier.html_url);
    assert.deepEqual(w.filesOn(branch), ["README.md", "earlier.txt"]);
  });
});

describe("the clone", () => {
  it("comes from git-mirror, then from origin what the mirror lacks", async () => {
    const mirror = join(w.dir, "mirror.git");
    await exec("git", ["clone", "--quiet", "--mirror", w.bare.gitDir, mirror]);
    const newest = await w.bare.commitOnBranch("main", "late.txt", "after the mirror\n");
    const number = await claimedGoal("Mirrored");
    const { report, warnings } = await runAttempt(number, "commit", { gitMirror: mirror });
    assert.equal(report.outcome, "success", report.reason);
    assert.deepEqual(warnings, []);
    const workspace = join(workspaceOf(number), "trusted");
    assert.deepEqual(readdirSync(join(w.dir, "work", owner, repo)), [String(number)]);
    assert.deepEqual(w.filesOn(`goal/${number}-mirrored`), ["README.md", "late.txt", "work.txt"]);
    const git = (...args: string[]) => exec("git", ["-C", workspace, ...args]);
    assert.equal((await git("rev-parse", "origin/main")).stdout.trim(), newest);
    assert.equal((await git("config", "--get", "remote.origin.url")).stdout.trim(), w.bare.gitDir);
    assert.equal(existsSync(join(workspace, ".git/objects/info/alternates")), false);
    assert.ok(!dump(number, "git-config.txt").includes(w.token));
    // the workspace does not depend on the mirror
    rmSync(mirror, { recursive: true });
    await git("fsck", "--full", "--no-progress");
  });

  it("comes from origin, with a warning, when the git-mirror does not exist", async () => {
    const number = await claimedGoal("No mirror");
    const mirror = join(w.dir, "missing-mirror.git");
    const { report, warnings } = await runAttempt(number, "commit", { gitMirror: mirror });
    assert.equal(report.outcome, "success", report.reason);
    assert.ok(
      warnings.some((line) =>
        /The git mirror .*missing-mirror\.git does not exist; cloning from origin instead/.test(
          line,
        ),
      ),
      warnings.join("\n"),
    );
  });
});

describe("stats the agent reports", () => {
  it("an invalid cost is recorded as unknown, with a warning; no cost at all, without one", async () => {
    for (const { mode, warning } of INVALID_COSTS) {
      const number = await claimedGoal(`agent ${mode}`);
      const { report, warnings } = await runAttempt(number, mode);
      assert.equal(report.outcome, "success", `${mode}: ${report.reason}`);
      const marker = await lastResult(number);
      assert.equal(marker.outcome, "success", mode);
      const stats = marker.stats ?? {};
      assert.deepEqual(
        { cost_usd: stats.cost_usd, iterations: stats.iterations, tokens: stats.tokens },
        UNKNOWN_FIGURES,
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
