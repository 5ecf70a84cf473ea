// One dispatch cycle of the bundled dispatcher, run as the workflow runs it (a child process
// with INPUT_* variables), against the local GitHub API test server in this process.
import { performance } from "node:perf_hooks";
import { encodeMarker } from "../src/core/markers.js";
import { LABELS, stateLabel } from "../src/core/states.js";
import { runActionBundle } from "../test/helpers/action-runner.js";
import { startGitHubServer } from "../tools/github-server/index.js";
import { isMutatingRequest } from "./simulation-model.js";

const OWNER = "acme";
const NAME = "widgets";
const RUN_ID = 4242;
/** Queued goals whose body someone edited after it was written, and how many people did. */
export const EDITED_GOALS = 50;
export const EDITORS = 5;
const BODY = "## Objective\nExport widgets as CSV.\n\n## Acceptance\n- one line per widget\n";

export interface CycleMeasurement {
  requests: number;
  graphql: number;
  restWrites: number;
  /** Mutating requests (REST writes, GraphQL mutations): what the client paces. */
  paced: number;
  claimed: number;
  wallMs: number;
  /** From spawning the bundle to the server's first request. */
  coldStartMs: number;
}

/** A fresh server with `queued` queued goals and `running` running ones, then one cycle with `max`. */
export async function measureCycle(
  queued: number,
  running: number,
  max: number,
): Promise<CycleMeasurement> {
  const server = await startGitHubServer();
  try {
    const repo = server.createRepository({ owner: OWNER, name: NAME });
    for (const spec of LABELS) server.state.createLabel(repo, spec);
    const { token } = server.addUser({ login: "dispatcher" });
    const dispatcher = server.state.addUser({ login: "dispatcher" });
    server.addWorkflowRun(OWNER, NAME, { id: RUN_ID, status: "in_progress" });
    const lease = new Date(Date.now() + 3_600_000).toISOString();
    for (let i = 1; i <= running; i++) {
      const issue = server.state.createIssue(repo, {
        title: `running ${i}`,
        body: BODY,
        author: dispatcher,
        labels: [stateLabel("running")],
      });
      const claim = encodeMarker({
        kind: "claim",
        attempt: 1,
        claimId: `c${i}`,
        claimedBy: { runId: String(RUN_ID) },
        claimedAt: new Date().toISOString(),
        leaseExpiresAt: lease,
      });
      server.state.addComment(issue, dispatcher, claim);
    }
    for (let i = 1; i <= queued; i++) {
      const issue = server.state.createIssue(repo, {
        title: `queued ${i}`,
        body: BODY,
        author: dispatcher,
        labels: [stateLabel("queued")],
      });
      // The oldest goals were edited since, by people with write access: each claim's text
      // is vetted, and the editors' permissions are asked once each.
      if (i <= EDITED_GOALS) {
        const editor = `editor-${(i % EDITORS) + 1}`;
        server.setPermission(OWNER, NAME, editor, "write");
        server.editIssue(
          OWNER,
          NAME,
          issue.number,
          { body: `${BODY}\nEdited by ${editor}.\n` },
          editor,
        );
      }
    }
    server.resetRequests();
    let firstRequestAt: number | null = null;
    const started = performance.now();
    const watcher = setInterval(() => {
      if (firstRequestAt === null && server.requests.length > 0) firstRequestAt = performance.now();
    }, 1);
    const result = await runActionBundle(
      process.execPath,
      "dispatch",
      { token, max: String(max), repository: `${OWNER}/${NAME}` },
      {
        GITHUB_API_URL: server.url,
        GITHUB_RUN_ID: String(RUN_ID),
        GITHUB_REPOSITORY: `${OWNER}/${NAME}`,
        GOAL_ORCHESTRATOR_PACE_MS: "0",
      },
    );
    const wallMs = performance.now() - started;
    clearInterval(watcher);
    if (result.code !== 0) throw new Error(`dispatch failed: ${result.stdout}${result.stderr}`);
    server.assertNoViolations();
    if (process.env.BENCH_TRACE) {
      for (const r of server.requests) console.error(`${r.method} ${r.operationId}`);
    }
    const graphql = server.requests.filter((r) => r.operationId === "graphql").length;
    const restWrites = server.requests.filter(
      (r) => r.operationId !== "graphql" && r.method !== "GET",
    ).length;
    return {
      requests: server.requests.length,
      graphql,
      restWrites,
      paced: server.requests.filter(isMutatingRequest).length,
      claimed: Number(result.outputs.claimed),
      wallMs,
      coldStartMs: (firstRequestAt ?? performance.now()) - started,
    };
  } finally {
    await server.close();
  }
}
