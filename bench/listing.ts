// Goal listing against the local GitHub API test server: requests made and wall time, with a
// backlog seeded straight into the server's in-memory state (no HTTP, so seeding is fast).
import { performance } from "node:perf_hooks";
import type { GoalState } from "../src/core/states.js";
import { LABELS, stateLabel } from "../src/core/states.js";
import { createClient } from "../src/github/client.js";
import { GitHubGoalStore } from "../src/github/goal-store.js";
import { type GitHubServer, startGitHubServer } from "../tools/github-server/index.js";
import type { RepoModel } from "../tools/github-server/state.js";
import { isMutatingRequest } from "./simulation-model.js";
import { median } from "./table.js";

const OWNER = "acme";
const NAME = "widgets";

/** A typical goal body: both sections and a story line. */
const GOAL_BODY = `## Objective

Export the widget list as CSV so the finance team can open it in a spreadsheet.

## Acceptance

- \`widgets export --csv\` prints one line per widget
- the header row names every column

Story: #1
`;

export interface RequestCounts {
  /** Every request the server saw. */
  total: number;
  graphql: number;
  /** REST requests other than GET/HEAD. */
  restWrites: number;
  /** Requests the client spaces by `paceMs`: the mutating ones (REST writes, GraphQL mutations). */
  paced: number;
}

export interface Measurement {
  runs: number;
  medianMs: number;
  times: number[];
  requests: RequestCounts;
  /** Goals the consumer received. */
  goals: number;
}

export class ListingBench {
  private seeded: Partial<Record<GoalState, number>> = {};

  private constructor(
    readonly server: GitHubServer,
    private readonly repo: RepoModel,
    readonly store: GitHubGoalStore,
    /** What the client warned about (retries, rate limits): none expected. */
    readonly warnings: string[],
  ) {}

  /** A server with acme/widgets, its goal labels, and a store with pacing switched off. */
  static async start(): Promise<ListingBench> {
    const server = await startGitHubServer();
    const repo = server.createRepository({ owner: OWNER, name: NAME });
    for (const spec of LABELS) server.state.createLabel(repo, spec);
    const { token } = server.addUser({ login: "dispatcher" });
    const warnings: string[] = [];
    const client = createClient({
      token,
      apiUrl: server.url,
      paceMs: 0,
      warn: (message) => warnings.push(message),
    });
    const store = await GitHubGoalStore.connect({
      client,
      repo: { owner: OWNER, repo: NAME },
      paceMs: 0,
    });
    return new ListingBench(server, repo, store, warnings);
  }

  /** Adds goals in `state` until there are `total` of them (newest last, as in a FIFO queue). */
  seed(state: GoalState, total: number): void {
    const author = this.server.state.addUser({ login: "maintainer" });
    const have = this.seeded[state] ?? 0;
    for (let i = have + 1; i <= total; i++) {
      this.server.state.createIssue(this.repo, {
        title: `Goal ${i} (${state})`,
        body: GOAL_BODY,
        author,
        labels: [stateLabel(state)],
      });
    }
    this.seeded[state] = Math.max(have, total);
  }

  /**
   * Runs `work` up to `runs` times, counting the requests of each run from the server's log.
   * Stops early when one run exceeds `deadlineMs` (the result is then incomplete: `work` got
   * the deadline and may have stopped short) or when all runs together exceed `budgetMs`.
   */
  async measure(
    runs: number,
    work: (deadline: number) => Promise<number>,
    deadlineMs = Number.POSITIVE_INFINITY,
    budgetMs = Number.POSITIVE_INFINITY,
  ): Promise<Measurement & { complete: boolean }> {
    const times: number[] = [];
    let requests: RequestCounts = { total: 0, graphql: 0, restWrites: 0, paced: 0 };
    let goals = 0;
    let complete = true;
    const begun = performance.now();
    while (times.length < runs) {
      this.server.resetRequests();
      const started = performance.now();
      goals = await work(started + deadlineMs);
      const elapsed = performance.now() - started;
      const counted = this.countRequests();
      if (times.length > 0 && counted.total !== requests.total) {
        throw new Error(`request count changed between runs: ${requests.total} → ${counted.total}`);
      }
      requests = counted;
      times.push(elapsed);
      if (elapsed > deadlineMs) {
        complete = false;
        break;
      }
      if (performance.now() - begun > budgetMs) break;
    }
    return { runs: times.length, medianMs: median(times), times, requests, goals, complete };
  }

  /** Lists goals in `state`, stopping after `limit` of them (or at `deadline`, a performance.now()). */
  async list(
    state: GoalState,
    limit = Number.POSITIVE_INFINITY,
    deadline = Number.POSITIVE_INFINITY,
    onGoal?: () => void,
  ): Promise<number> {
    let count = 0;
    for await (const _goal of this.store.listGoals(state)) {
      count++;
      onGoal?.();
      if (count >= limit || performance.now() > deadline) break;
    }
    return count;
  }

  private countRequests(): RequestCounts {
    let graphql = 0;
    let restWrites = 0;
    for (const entry of this.server.requests) {
      if (entry.operationId === "graphql") graphql++;
      else if (entry.method !== "GET" && entry.method !== "HEAD") restWrites++;
    }
    return {
      total: this.server.requests.length,
      graphql,
      restWrites,
      paced: this.server.requests.filter(isMutatingRequest).length,
    };
  }

  async close(): Promise<void> {
    this.server.assertNoViolations();
    await this.server.close();
  }
}

/** Samples the process's resident set size while `work` runs; returns the peak seen. */
export async function peakRss<T>(
  work: (sample: () => void) => Promise<T>,
): Promise<{ result: T; peakBytes: number; beforeBytes: number }> {
  const beforeBytes = process.memoryUsage().rss;
  let peakBytes = beforeBytes;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peakBytes) peakBytes = rss;
  };
  const timer = setInterval(sample, 5);
  try {
    const result = await work(sample);
    sample();
    return { result, peakBytes, beforeBytes };
  } finally {
    clearInterval(timer);
  }
}
