// The GitHub side of the simulation (bench/simulation.ts): the local test server with its clock
// at simulated time, dispatch cycles run in-process through the real dispatch() and the adapters
// the orchestrator builds, and the requests a runner job makes against GitHub.
import type { ClaimComment } from "../src/core/ports.js";
import { LABELS, stateLabel } from "../src/core/states.js";
import { type DispatchReport, dispatch } from "../src/flows/dispatch.js";
import { goalBranchOf } from "../src/flows/run-claim.js";
import { GitHubActionsApi } from "../src/github/actions-api.js";
import { createClient } from "../src/github/client.js";
import { GitHubDispatchLock, type LockClock } from "../src/github/dispatch-lock.js";
import { GitHubGoalStore } from "../src/github/goal-store.js";
import { GitHubPullRequests } from "../src/github/pull-requests.js";
import { readRepositorySettings } from "../src/github/settings-file.js";
import { startGitHubServer } from "../tools/github-server/index.js";
import type { GitHubServer, RequestLogEntry } from "../tools/github-server/server.js";

const OWNER = "acme";
const NAME = "widgets";
const REPO = { owner: OWNER, repo: NAME };
const BODY = "## Objective\nExport widgets as CSV.\n\n## Acceptance\n- one line per widget\n";

export interface CycleResult {
  report: DispatchReport;
  /** The requests the cycle made, from its process start (settings, viewer) to its end. */
  entries: RequestLogEntry[];
}

/** A claimed goal's runner job, between its start and end. */
export interface Job {
  number: number;
  attempt: number;
  runId: number;
  store: GitHubGoalStore;
  pulls: GitHubPullRequests;
  branch: string;
  title: string;
  /** The attempt's claim comment as the job read it: where its result goes. */
  claimComment: ClaimComment | undefined;
}

export class SimWorld {
  /** Simulated time, ms since the epoch; the server's clock follows it. */
  now = 0;
  /** Seconds a drawn duration can reach: the claims' lease (the runner job's timeout). */
  durationSeconds = 24 * 3600;
  private readonly statuses = new Map<number, "in_progress" | "completed">();

  private constructor(
    readonly server: GitHubServer,
    private readonly token: string,
  ) {}

  static async start(startMs: number): Promise<SimWorld> {
    // Accounting stays on; enforcement is off because a cycle happens at one instant of the
    // server's clock, where its paced writes really spread over minutes. The limits are applied
    // by computation instead (simulation-model.ts, sustainableGoalsPerHour).
    const server = await startGitHubServer({ limits: "off" });
    server.createRepository({ owner: OWNER, name: NAME, allowAutoMerge: true });
    const { token } = server.addUser({ login: "dispatcher" });
    server.addUser({ login: "alice" });
    server.setPermission(OWNER, NAME, "alice", "write");
    const world = new SimWorld(server, token);
    world.advanceTo(startMs);
    return world;
  }

  /** Throws on any contract violation the server saw, then stops it. */
  async close(): Promise<void> {
    try {
      this.server.assertNoViolations();
    } finally {
      await this.server.close();
    }
  }

  /** Moves simulated time (never back) and the server's clock with it. */
  advanceTo(ms: number): void {
    this.now = Math.max(this.now, ms);
    const behind = this.now - this.server.state.clock.nowMs();
    if (behind > 0) this.server.state.clock.advance(behind);
  }

  /** Labels and `count` queued goals written by a maintainer, oldest first; no request counted. */
  seedGoals(count: number, labels = true): number[] {
    const repo = this.server.state.repos.get(`${OWNER}/${NAME}`.toLowerCase());
    if (!repo) throw new Error("simulation: no repository");
    if (labels) for (const spec of LABELS) this.server.state.createLabel(repo, spec);
    const alice = this.server.state.addUser({ login: "alice" });
    const numbers: number[] = [];
    for (let i = 1; i <= count; i++) {
      const issue = this.server.state.createIssue(repo, {
        title: `Goal ${i}`,
        body: BODY,
        author: alice,
        labels: [stateLabel("queued")],
      });
      numbers.push(issue.number);
    }
    return numbers;
  }

  /** A workflow run of the dispatcher's workflow: in progress until `finishRun`. */
  startRun(runId: number): void {
    this.statuses.set(runId, "in_progress");
    this.server.addWorkflowRun(OWNER, NAME, { id: runId, status: "in_progress" });
  }

  finishRun(runId: number): void {
    if (this.statuses.get(runId) === "completed") return;
    this.statuses.set(runId, "completed");
    this.server.addWorkflowRun(OWNER, NAME, {
      id: runId,
      status: "completed",
      conclusion: "success",
    });
  }

  /** What a fresh process does first: a client, the settings file, the store (viewer query). */
  private async connect() {
    const client = createClient({
      token: this.token,
      apiUrl: this.server.url,
      paceMs: 0,
      warn: (line) => process.stderr.write(`simulation: ${line}\n`),
    });
    await readRepositorySettings(client, REPO);
    const store = await GitHubGoalStore.connect({ client, repo: REPO, paceMs: 0 });
    return { client, store };
  }

  /**
   * One dispatch cycle as the dispatcher action runs it (src/actions/dispatch.ts), in-process,
   * at simulated time: the cycle happens at one instant of the server's clock. Its lock's clock
   * is simulated time too; a wait for the lock moves only the lock's own clock.
   */
  async cycle(runId: number, max: number): Promise<CycleResult> {
    const from = this.server.requests.length;
    const { client, store } = await this.connect();
    let waited = 0;
    const clock: LockClock = {
      now: () => this.now + waited,
      sleep: async (ms) => {
        waited += ms;
      },
      every: () => () => {},
    };
    const report = await dispatch(
      {
        store,
        actions: new GitHubActionsApi(client, REPO, null),
        pulls: new GitHubPullRequests(client, REPO),
        lock: new GitHubDispatchLock(client, REPO, { clock }),
        claimant: { runId: String(runId) },
        now: () => new Date(this.now),
      },
      {
        max,
        maxAttempts: 3,
        durationSeconds: this.durationSeconds,
        goal: null,
        dryRun: false,
        runnerLabels: [],
        checkRunners: false,
        budget: null,
      },
    );
    return { report, entries: this.server.requests.slice(from) };
  }

  /**
   * A runner job's start, as src/actions/run.ts and runGoal do it before the agent: settings
   * file, store (viewer), the goal (claim check), the pull requests of its branch. The clone
   * runs meanwhile and is git, not API.
   */
  async jobStart(number: number, attempt: number, runId: number): Promise<Job> {
    const { client, store } = await this.connect();
    const pulls = new GitHubPullRequests(client, REPO);
    const goal = await store.getGoal(number);
    if (goal.state !== "running") throw new Error(`simulation: #${number} is not running`);
    const branch = goalBranchOf(goal, attempt);
    await pulls.forBranch(branch);
    const claimComment = goal.claimComments?.findLast((comment) => comment.attempt === attempt);
    return { number, attempt, runId, store, pulls, branch, title: goal.title, claimComment };
  }

  /**
   * A successful job's end. The REAL runGoal needs a clone, an agent and a sandbox, so its
   * GitHub requests after the agent are replayed here through the same adapter methods, in the
   * order runGoal makes them (run-deliver.ts `deliver`, run-record.ts `recordResult`): the push
   * (git, so `setBranch`), pulls.create, pulls.enableAutoMerge, store.transition to done with
   * the run-result marker, added to the attempt's claim comment. Then GitHub merges the PR (checks green), which closes the goal.
   */
  async jobEnd(job: Job): Promise<void> {
    this.server.setBranch(OWNER, NAME, job.branch);
    const pull = await job.pulls.create({
      head: job.branch,
      base: "main",
      title: job.title,
      body: `Closes #${job.number}\n\nAttempt ${job.attempt} of 3\n`,
    });
    const merge = await job.pulls.enableAutoMerge(pull, "squash");
    if (merge.kind === "refused")
      throw new Error(`simulation: auto-merge refused: ${merge.reason}`);
    await job.store.transition(job.number, {
      to: "done",
      expectedFrom: "running",
      reason: `attempt ${job.attempt} succeeded: ${pull.url}; auto-merge (squash) enabled`,
      marker: {
        kind: "run-result",
        attempt: job.attempt,
        outcome: "success",
        reason: "the agent finished",
        countsAsAttempt: true,
        prUrl: pull.url,
      },
      ...(job.claimComment
        ? { appendTo: { comment: job.claimComment, at: new Date(this.now) } }
        : {}),
    });
    await this.server.setPullState(OWNER, NAME, pull.number, { mergeStateStatus: "CLEAN" });
    const issue = this.server.getIssue(OWNER, NAME, job.number);
    if (issue?.state !== "closed") throw new Error(`simulation: #${job.number} not closed`);
  }

  /** Labels of an issue, and whether it is open (invariant checks). */
  goalState(number: number): { labels: string[]; open: boolean } {
    const issue = this.server.getIssue(OWNER, NAME, number);
    if (!issue) throw new Error(`simulation: no issue #${number}`);
    return { labels: issue.labels.map((label) => label.name), open: issue.state === "open" };
  }
}
